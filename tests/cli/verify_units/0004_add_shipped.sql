-- The verify fixture's unit 4: a column and its removal (round-trips, after the two above).
-- strata:up
ALTER TABLE "orders" ADD COLUMN "shipped" boolean NOT NULL DEFAULT false;
-- strata:down
ALTER TABLE "orders" DROP COLUMN "shipped";
