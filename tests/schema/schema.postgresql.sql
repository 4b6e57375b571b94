-- The schema of a postgresql database, as `schema dump` reads it (strata's metadata tables left out). Generated: do not edit; run `schema dump --output FILE` again after changing a unit.

CREATE TABLE "user_profiles" (
  "userProfileId" uuid DEFAULT gen_random_uuid() NOT NULL,
  "address" character varying(100) NOT NULL,
  "createdAt" timestamp with time zone DEFAULT now() NOT NULL,
  "updatedAt" timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT "user_profiles_pkey" PRIMARY KEY ("userProfileId")
);

CREATE TABLE "users" (
  "userId" uuid DEFAULT gen_random_uuid() NOT NULL,
  "firstName" character varying(100) NOT NULL,
  "lastName" character varying(100),
  "email" character varying(255) DEFAULT NULL::character varying,
  "userName" character varying(255) DEFAULT NULL::character varying,
  "phone" character varying(13),
  "photo" character varying(1024) DEFAULT NULL::character varying,
  "createdAt" timestamp with time zone DEFAULT now() NOT NULL,
  "updatedAt" timestamp with time zone DEFAULT now() NOT NULL,
  "profile" uuid,
  CONSTRAINT "users_pkey" PRIMARY KEY ("userId"),
  CONSTRAINT "users_profile_key" UNIQUE (profile)
);

ALTER TABLE "users" ADD CONSTRAINT "users_profile_fkey" FOREIGN KEY (profile) REFERENCES user_profiles("userProfileId") ON UPDATE CASCADE ON DELETE SET NULL;
