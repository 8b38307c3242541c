-- The glossary a community writes (/glossary, issue 30): plain-language meanings of the words people
-- hear at meetings. `term_key` is the term folded to lower case with single spaces, so "CoP" and "cop"
-- are one entry. `number` is the word's number in its server (buttons carry it, never the row id, which
-- counts across servers); it is never given twice, even after a word is removed. `written_by` is the
-- facilitator who last wrote the entry: never shown in public, blanked to 0 if they are forgotten (0 is
-- also the author of copbot's starter words). `question_number` is the /explain question the meaning
-- came from, if any. `lookups` counts how often the entry was read, so the welcome can show the words
-- people look up most.
CREATE TABLE glossary_terms (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    number          INTEGER NOT NULL,
    term            TEXT NOT NULL,
    term_key        TEXT NOT NULL,
    meaning         TEXT NOT NULL,
    written_by      INTEGER NOT NULL,
    question_number INTEGER,
    lookups         INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (guild_id, term_key),
    UNIQUE (guild_id, number)
);

CREATE INDEX glossary_terms_updated ON glossary_terms (guild_id, updated_at);

-- Servers whose glossary was started with copbot's starter words (config/glossary.toml), so removing
-- them all never brings them back; and the last number given to a word there.
CREATE TABLE glossary_servers (
    guild_id    INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    last_number INTEGER NOT NULL DEFAULT 0
);
