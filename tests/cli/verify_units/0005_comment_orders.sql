-- The verify fixture's unit 5: its down forgets the comments its up set (verify names them on
-- PostgreSQL; SQLite keeps no comments, so there it has nothing to do and round-trips).
-- strata:up
COMMENT ON TABLE "orders" IS 'one row per order';
COMMENT ON COLUMN "orders"."shipped" IS 'set by the warehouse';
-- strata:up sqlite
-- strata:down
SELECT 1;
