"""Process agreements, their versions and sign-off (see the agreements issue)."""
