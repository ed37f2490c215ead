-- Which major-hazard notices went out by e-mail and chat. The in-app notice
-- (hazard_notifications) is the record; this only keeps the delivery job from sending one
-- twice. Delivery state, not data people entered: not archived, so a restored database has
-- none, and the job only sends notices of the last 24 hours.
CREATE TABLE hazard_deliveries (
    notification INTEGER PRIMARY KEY REFERENCES hazard_notifications (id),
    delivered_at TEXT    NOT NULL
);
