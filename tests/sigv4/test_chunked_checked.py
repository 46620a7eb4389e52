"""Any bytes fed to the aws-chunked decoder end in decoded bytes or an AWS error, never another exception."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ostiary import errors, sigv4
from ostiary.sigv4 import canonical as c

KEY = c.signing_key("secret", "20261127", "us-east-1", "s3")
PIECES = st.one_of(
    st.binary(max_size=40),
    st.sampled_from(
        [
            b"5\r\nhello\r\n",
            b"0\r\n\r\n",
            b"\xc2\xb2\r\n",  # "²": not a hex digit
            b"\xd9\xa3\r\n",  # "٣"
            b"f" * 17 + b"\r\n",
            b"5;chunk-signature=" + b"0" * 64 + b"\r\n",
            b"x-amz-checksum-crc32:AAAAAA==\r\n",
            b"x-amz-trailer-signature:" + b"0" * 64 + b"\r\n",
            b":\r\n",
            b"\r\n",
        ]
    ),
)


@given(
    mode=st.sampled_from(list(sigv4.Mode)),
    trailer=st.sampled_from([None, "x-amz-checksum-crc32", "x-amz-checksum-sha256"]),
    decoded_length=st.one_of(st.none(), st.integers(0, 100)),
    pieces=st.lists(PIECES, max_size=8),
)
def test_any_body_decodes_or_raises_an_aws_error(
    mode: sigv4.Mode, trailer: str | None, decoded_length: int | None, pieces: list[bytes]
) -> None:
    decoder = sigv4.AwsChunkedDecoder(
        mode,
        decoded_length=decoded_length,
        trailer=trailer if mode.has_trailer else None,
        seed_signature="a" * 64,
        key=KEY,
        timestamp="20261127T120000Z",
        scope="20261127/us-east-1/s3/aws4_request",
    )
    try:
        for piece in pieces:
            decoder.feed(piece)
        decoder.finish()
    except errors.AwsError:
        pass
