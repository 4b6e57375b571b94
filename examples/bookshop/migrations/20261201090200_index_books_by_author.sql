-- Books are listed by author: an index for that, in plain SQL.
-- strata:up
CREATE INDEX "books_author_idx" ON "books" ("authorId");

-- strata:down
DROP INDEX "books_author_idx";
