SELECT count() = 20 FROM events_0_1;
