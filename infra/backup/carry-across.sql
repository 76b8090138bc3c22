-- Run by backup-restore.sh in the restored copy, before it replaces the live
-- database, in one transaction: what the live database knows happened
-- outside it (files in the current folder, written from the live database). A copy
-- from before a table or column existed gets only what it can hold.

CREATE TEMP TABLE carried_subscribers (email text, unsubscribed_at timestamptz, bounced_at timestamptz);
\copy carried_subscribers FROM 'subscribers'
-- An unsubscribe is the listener's word: newer than the copy, it stands.
UPDATE newsletter_subscribers AS s SET unsubscribed_at = c.unsubscribed_at
FROM carried_subscribers AS c
WHERE s.email = c.email AND c.unsubscribed_at IS NOT NULL
    AND (s.unsubscribed_at IS NULL OR s.unsubscribed_at < c.unsubscribed_at);

SELECT to_regclass('episode_announcements') IS NOT NULL AS has_mail_state \gset
\if :has_mail_state
    UPDATE newsletter_subscribers AS s SET bounced_at = c.bounced_at
    FROM carried_subscribers AS c
    WHERE s.email = c.email AND c.bounced_at IS NOT NULL AND s.bounced_at IS NULL;

    CREATE TEMP TABLE carried_announcements (number int, announced_at timestamptz, skipped bool, recipients int);
    \copy carried_announcements FROM 'announcements'
    INSERT INTO episode_announcements (episode_id, announced_at, skipped, recipients)
    SELECT e.id, c.announced_at, c.skipped, c.recipients
    FROM carried_announcements AS c JOIN episodes AS e ON e.number = c.number
    ON CONFLICT (episode_id) DO NOTHING;

    CREATE TEMP TABLE carried_mail (id bigint, to_address text, created_at timestamptz, sent_at timestamptz, dead_at timestamptz);
    \copy carried_mail FROM 'mail'
    UPDATE outbound_emails AS o SET sent_at = c.sent_at, dead_at = c.dead_at
    FROM carried_mail AS c
    WHERE o.id = c.id AND o.to_address = c.to_address AND o.created_at = c.created_at
        AND o.sent_at IS NULL AND o.dead_at IS NULL;
\endif
