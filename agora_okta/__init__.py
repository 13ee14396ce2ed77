"""agora-okta: set up Okta to provision users and roles into Agora over SCIM."""

__version__ = "0.1.0"
