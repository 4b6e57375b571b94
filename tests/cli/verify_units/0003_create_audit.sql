-- The verify fixture's unit 3: no down section, so irreversible (verify reports and skips it).
-- strata:up
CREATE TABLE "audit" ("id" bigint PRIMARY KEY, "what" text NOT NULL);
