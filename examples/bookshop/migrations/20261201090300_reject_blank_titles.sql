-- A title of only spaces is refused by the database itself. Triggers are spelled differently
-- on each database, so each has its own sections.

-- strata:up postgresql
CREATE FUNCTION "reject_blank_title"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF trim(NEW."title") = '' THEN
        RAISE EXCEPTION 'a book needs a title; got ''%''', NEW."title";
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER "books_reject_blank_title" BEFORE INSERT OR UPDATE OF "title" ON "books"
    FOR EACH ROW EXECUTE FUNCTION "reject_blank_title"();

-- strata:down postgresql
DROP TRIGGER "books_reject_blank_title" ON "books";
DROP FUNCTION "reject_blank_title"();

-- strata:up sqlite
CREATE TRIGGER "books_reject_blank_title" BEFORE INSERT ON "books"
WHEN trim(NEW."title") = ''
BEGIN
    SELECT RAISE(ABORT, 'a book needs a title');
END;
CREATE TRIGGER "books_reject_blank_title_update" BEFORE UPDATE OF "title" ON "books"
WHEN trim(NEW."title") = ''
BEGIN
    SELECT RAISE(ABORT, 'a book needs a title');
END;

-- strata:down sqlite
DROP TRIGGER "books_reject_blank_title_update";
DROP TRIGGER "books_reject_blank_title";
