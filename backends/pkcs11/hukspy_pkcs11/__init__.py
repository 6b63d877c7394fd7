"""hukspy_pkcs11: the PKCS#11 backend of hukspy (keys inside a token, through python-pkcs11)."""
