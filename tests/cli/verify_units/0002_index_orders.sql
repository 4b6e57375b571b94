-- The verify fixture's unit 2: its down drops the column but forgets the index (verify names it).
-- strata:up
ALTER TABLE "orders" ADD COLUMN "note" text;
CREATE INDEX "orders_account_id_idx" ON "orders" ("account_id");
-- strata:down
ALTER TABLE "orders" DROP COLUMN "note";
