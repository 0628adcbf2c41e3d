"""The bundled demo: a synthetic mAb project (CHO fed-batch + platform purification) run end to end by ``qbdkit demo``."""
