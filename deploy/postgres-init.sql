-- Each service owns its own database.
CREATE DATABASE alv_registration;
CREATE DATABASE alv_ballot;
CREATE DATABASE alv_results;
