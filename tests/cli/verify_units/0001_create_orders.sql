-- The verify fixture's unit 1: a table, and a down that takes it away again (round-trips).
-- strata:up
CREATE TABLE "orders" ("id" bigint PRIMARY KEY, "account_id" bigint, "status" text);
-- strata:down
DROP TABLE "orders";
