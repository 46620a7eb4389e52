"""The S3 REST API: buckets, objects and bucket policies, every request authorized by the policy engine.

    handle(call: S3Call) -> HttpResponse     # the server's entry point (raises AwsError)
    ROUTES                                   # (method, target, subresource) -> operation
    canonical_user_id(account) -> str        # the account's S3 canonical user ID (API_Owner)

Bucket and object metadata live in the database (`ostiary.store.objects`), object bytes in files
under the data directory's ``objects/`` folder.
"""

from ostiary.ids import canonical_user_id
from ostiary.s3.routes import ROUTES, Route, handle

__all__ = ["ROUTES", "Route", "canonical_user_id", "handle"]
