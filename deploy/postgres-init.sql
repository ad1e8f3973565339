-- The reports service's own database, next to the monolith's.
CREATE DATABASE runnerly_reports OWNER runnerly;
