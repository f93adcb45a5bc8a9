-- The command menu set for a person's private chat (setMyCommands with the chat's scope): its
-- signature says which menu, in which language, with which commands. A role change, or a
-- changed menu after an update of the bot, re-applies it once; people without a row see the
-- default menu for private chats. No foreign key to `people`: a coordinator from the
-- configuration need not have a row there.
CREATE TABLE menus (
    user_id   INTEGER PRIMARY KEY,
    signature TEXT NOT NULL,
    set_at    TEXT NOT NULL
);
