"""What keeps patient data on the host: the egress policy for endpoints and libraries, redaction of stored outputs, the audit log."""
