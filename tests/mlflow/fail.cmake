# Used as the test command when a required peer is missing: a failure, never a skip.
message(FATAL_ERROR "${MSG}")
