-- Runs once, when the compose volume is first initialised: one database per service, as in scripts/demo.sh.
CREATE DATABASE coordinator;
CREATE DATABASE inventory;
CREATE DATABASE payments;
