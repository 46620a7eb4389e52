"""ostiary: a self-hosted, AWS-compatible IAM + STS server with an S3-compatible object API."""

__version__ = "0.1.0"
