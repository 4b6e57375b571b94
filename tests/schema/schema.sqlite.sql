-- The schema of a sqlite database, as `schema dump` reads it (strata's metadata tables left out). Generated: do not edit; run `schema dump --output FILE` again after changing a unit.

CREATE TABLE "user_profiles" (
  "userProfileId" TEXT NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))) PRIMARY KEY CHECK (length("userProfileId") = 36 AND "userProfileId" NOT GLOB '*[^0-9a-fA-F-]*' AND substr("userProfileId", 9, 1) || substr("userProfileId", 14, 1) || substr("userProfileId", 19, 1) || substr("userProfileId", 24, 1) = '----'),
  "address" VARCHAR(100) NOT NULL CHECK (length("address") <= 100),
  "createdAt" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) CHECK ("createdAt" IS NULL OR (julianday("createdAt") IS NOT NULL AND date(substr("createdAt", 1, 10), '+0 days') IS substr("createdAt", 1, 10))),
  "updatedAt" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) CHECK ("updatedAt" IS NULL OR (julianday("updatedAt") IS NOT NULL AND date(substr("updatedAt", 1, 10), '+0 days') IS substr("updatedAt", 1, 10)))
);

CREATE TABLE "users" (
  "userId" TEXT NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))) PRIMARY KEY CHECK (length("userId") = 36 AND "userId" NOT GLOB '*[^0-9a-fA-F-]*' AND substr("userId", 9, 1) || substr("userId", 14, 1) || substr("userId", 19, 1) || substr("userId", 24, 1) = '----'),
  "firstName" VARCHAR(100) NOT NULL CHECK (length("firstName") <= 100),
  "lastName" VARCHAR(100) CHECK (length("lastName") <= 100),
  "email" VARCHAR(255) DEFAULT NULL CHECK (length("email") <= 255),
  "userName" VARCHAR(255) DEFAULT NULL CHECK (length("userName") <= 255),
  "phone" VARCHAR(13) CHECK (length("phone") <= 13),
  "photo" VARCHAR(1024) DEFAULT NULL CHECK (length("photo") <= 1024),
  "createdAt" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) CHECK ("createdAt" IS NULL OR (julianday("createdAt") IS NOT NULL AND date(substr("createdAt", 1, 10), '+0 days') IS substr("createdAt", 1, 10))),
  "updatedAt" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) CHECK ("updatedAt" IS NULL OR (julianday("updatedAt") IS NOT NULL AND date(substr("updatedAt", 1, 10), '+0 days') IS substr("updatedAt", 1, 10))),
  "profile" TEXT CONSTRAINT "users_profile_fkey" REFERENCES "user_profiles" ("userProfileId") ON UPDATE CASCADE ON DELETE SET NULL CHECK (length("profile") = 36 AND "profile" NOT GLOB '*[^0-9a-fA-F-]*' AND substr("profile", 9, 1) || substr("profile", 14, 1) || substr("profile", 19, 1) || substr("profile", 24, 1) = '----')
);
CREATE UNIQUE INDEX "users_profile_key" ON "users" ("profile");
