// End-to-end scenario for the AWS SDK for JavaScript v3 against ostiary (driven by tests/e2e/test_js_sdk.py).
//
// Environment: AWS_ENDPOINT_URL (required, so nothing ever reaches real AWS), AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY (the account's root key, read by the SDK's default credential chain) and AWS_REGION
// (read by the SDK's default region provider). Every request is signed by the SDK's own SigV4 signer.
//
// Prints one JSON object of observations on stdout and exits 0; on an unexpected failure prints
// {"failed": step, "name", "message", "status"} on stderr and exits 1. The Python test asserts the values.

import { Readable } from "node:stream";
import { randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";
import {
  AttachRolePolicyCommand,
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetRoleCommand,
  GetUserCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListUsersCommand,
  PutUserPolicyCommand,
  paginateListUsers,
} from "@aws-sdk/client-iam";
import { AssumeRoleCommand, GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from "@aws-sdk/client-sts";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";

const endpoint = process.env.AWS_ENDPOINT_URL;
if (!endpoint) {
  process.stderr.write("flow.mjs: set AWS_ENDPOINT_URL to the ostiary server\n");
  process.exit(2);
}

const suffix = randomBytes(4).toString("hex");
const names = {
  user: `js-user-${suffix}`,
  role: `js-role-${suffix}`,
  session: `js-session-${suffix}`,
  bucket: `js-bucket-${suffix}`,
  missingUser: `js-missing-${suffix}`,
};
const S3_READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
const STRING_BODY = "hello from the JavaScript SDK\n";
const STREAM_PARTS = ["a".repeat(8192), "b".repeat(10_000), "streamed through aws-chunked\n"];
const SMALL_PARTS = ["tiny ", "chunks\n"];

// Root clients: credentials and region come from the environment, as for a user's shell.
const rootIam = new IAMClient({ endpoint, maxAttempts: 1 });
const rootSts = new STSClient({ endpoint, maxAttempts: 1 });
const rootS3 = new S3Client({ endpoint, forcePathStyle: true, maxAttempts: 1 });

// Each signed S3 request as it goes out (the deserialize step runs after signing).
const sentHeaders = [];
rootS3.middlewareStack.add(
  (next, context) => async (args) => {
    const { method, path, query, headers } = args.request;
    sentHeaders.push({ operation: context.commandName, method, path, query: { ...query }, headers: { ...headers } });
    return next(args);
  },
  { step: "deserialize", name: "ostiaryRecordSentHeaders" },
);

let step = "start";
async function run(label, promise) {
  step = label;
  return await promise;
}

// An expected service error, as the SDK surfaces it to the caller.
async function expectError(label, promise) {
  step = label;
  try {
    await promise;
  } catch (err) {
    return {
      name: err.name,
      message: err.message,
      fault: err.$fault,
      status: err.$metadata?.httpStatusCode,
      requestId: err.$metadata?.requestId ?? null,
      code: err.Code ?? null,
    };
  }
  throw new Error(`${label}: expected an error, the call succeeded`);
}

function secondsUntil(date) {
  return (date.getTime() - Date.now()) / 1000;
}

function describeCredentials(credentials) {
  return {
    accessKeyIdPrefix: credentials.AccessKeyId.slice(0, 4),
    hasSecret: credentials.SecretAccessKey.length > 0,
    hasSessionToken: typeof credentials.SessionToken === "string" && credentials.SessionToken.length > 0,
    expirationIsDate: credentials.Expiration instanceof Date,
    expirationValid: credentials.Expiration instanceof Date && !Number.isNaN(credentials.Expiration.getTime()),
    secondsLeft: secondsUntil(credentials.Expiration),
  };
}

// A Readable of unknown length makes this SDK send `x-amz-decoded-content-length: undefined` (a TypeError in
// Node's http), so stream bodies carry ContentLength, as with a file stream and its stat size.
function streamBody(parts) {
  return {
    Body: Readable.from(parts.map((part) => Buffer.from(part))),
    ContentLength: Buffer.byteLength(parts.join("")),
  };
}

function crc32Base64(text) {
  const value = crc32(Buffer.from(text));
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out.toString("base64");
}

// Like fromTemporaryCredentials in @aws-sdk/credential-providers: AssumeRole with a base client, memoised until
// five minutes before expiry, handed to another client as its credential provider.
function temporaryCredentials(baseSts, params) {
  let cached;
  let calls = 0;
  const provider = async () => {
    if (!cached || cached.expiration.getTime() - Date.now() < 300_000) {
      calls += 1;
      const { Credentials } = await baseSts.send(new AssumeRoleCommand(params));
      cached = {
        accessKeyId: Credentials.AccessKeyId,
        secretAccessKey: Credentials.SecretAccessKey,
        sessionToken: Credentials.SessionToken,
        expiration: Credentials.Expiration,
      };
    }
    return cached;
  };
  provider.calls = () => calls;
  return provider;
}

async function main() {
  const out = { names, sdk: {}, iam: {}, sts: {}, s3: {} };
  out.sdk.region = await rootSts.config.region();

  // --- IAM, as root ---------------------------------------------------------------------------------------
  const account = (await run("GetCallerIdentity(root)", rootSts.send(new GetCallerIdentityCommand({})))).Account;
  out.sts.rootAccount = account;

  const created = await run("CreateUser", rootIam.send(new CreateUserCommand({ UserName: names.user })));
  out.iam.createUser = {
    userName: created.User.UserName,
    arn: created.User.Arn,
    userIdPrefix: created.User.UserId.slice(0, 4),
    createDateIsDate: created.User.CreateDate instanceof Date,
    status: created.$metadata.httpStatusCode,
    requestId: created.$metadata.requestId ?? null,
  };

  const key = await run("CreateAccessKey", rootIam.send(new CreateAccessKeyCommand({ UserName: names.user })));
  out.iam.createAccessKey = {
    userName: key.AccessKey.UserName,
    accessKeyIdPrefix: key.AccessKey.AccessKeyId.slice(0, 4),
    status: key.AccessKey.Status,
    hasSecret: key.AccessKey.SecretAccessKey.length > 0,
    createDateIsDate: key.AccessKey.CreateDate instanceof Date,
  };
  const userCredentials = {
    accessKeyId: key.AccessKey.AccessKeyId,
    secretAccessKey: key.AccessKey.SecretAccessKey,
  };

  // The session server is shared with other tests, so the user may be past the first page: follow Marker.
  step = "ListUsers";
  const allUsers = [];
  for await (const page of paginateListUsers({ client: rootIam, pageSize: 100 }, {})) {
    allUsers.push(...page.Users);
  }
  out.iam.listUsers = {
    containsUser: allUsers.some((u) => u.UserName === names.user),
    datesAreDates: allUsers.every((u) => u.CreateDate instanceof Date),
  };

  // <IsTruncated> and <Marker> as the SDK's paginator reads them: two users under a path of their own, one a page.
  const path = `/js-${suffix}/`;
  for (const name of ["p1", "p2"]) {
    await run("CreateUser(path)", rootIam.send(new CreateUserCommand({ UserName: `${name}-${suffix}`, Path: path })));
  }
  step = "ListUsers(pages)";
  const pages = [];
  for await (const page of paginateListUsers({ client: rootIam, pageSize: 1 }, { PathPrefix: path })) {
    pages.push({ users: page.Users.map((u) => u.UserName), isTruncated: page.IsTruncated, hasMarker: !!page.Marker });
  }
  out.iam.listUsersPaged = { path, pages };

  await run(
    "PutUserPolicy",
    rootIam.send(
      new PutUserPolicyCommand({
        UserName: names.user,
        PolicyName: "assume",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: "*" }],
        }),
      }),
    ),
  );

  const trust = {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: created.User.Arn }, Action: "sts:AssumeRole" }],
  };
  const role = await run(
    "CreateRole",
    rootIam.send(
      new CreateRoleCommand({
        RoleName: names.role,
        AssumeRolePolicyDocument: JSON.stringify(trust),
        MaxSessionDuration: 3600,
      }),
    ),
  );
  out.iam.createRole = {
    roleName: role.Role.RoleName,
    arn: role.Role.Arn,
    roleIdPrefix: role.Role.RoleId.slice(0, 4),
    createDateIsDate: role.Role.CreateDate instanceof Date,
    trustIsString: typeof role.Role.AssumeRolePolicyDocument === "string",
    trustIsUrlEncoded: role.Role.AssumeRolePolicyDocument.startsWith("%7B"),
    trustRoundTrips:
      JSON.stringify(JSON.parse(decodeURIComponent(role.Role.AssumeRolePolicyDocument))) === JSON.stringify(trust),
  };

  await run(
    "AttachRolePolicy",
    rootIam.send(new AttachRolePolicyCommand({ RoleName: names.role, PolicyArn: S3_READ_ONLY })),
  );

  const got = await run("GetRole", rootIam.send(new GetRoleCommand({ RoleName: names.role })));
  out.iam.getRole = {
    roleName: got.Role.RoleName,
    arn: got.Role.Arn,
    maxSessionDuration: got.Role.MaxSessionDuration,
    createDateIsDate: got.Role.CreateDate instanceof Date,
    trustIsUrlEncoded: got.Role.AssumeRolePolicyDocument.startsWith("%7B"),
    trustRoundTrips:
      JSON.stringify(JSON.parse(decodeURIComponent(got.Role.AssumeRolePolicyDocument))) === JSON.stringify(trust),
  };

  const attached = await run(
    "ListAttachedRolePolicies",
    rootIam.send(new ListAttachedRolePoliciesCommand({ RoleName: names.role })),
  );
  out.iam.listAttachedRolePolicies = {
    arns: attached.AttachedPolicies.map((p) => p.PolicyArn),
    names: attached.AttachedPolicies.map((p) => p.PolicyName),
    isTruncated: attached.IsTruncated,
  };

  const userIam = new IAMClient({ endpoint, credentials: userCredentials, maxAttempts: 1 });
  out.iam.denied = await expectError("ListUsers(as user)", userIam.send(new ListUsersCommand({})));
  out.iam.noSuchEntity = await expectError(
    "GetUser(missing)",
    rootIam.send(new GetUserCommand({ UserName: names.missingUser })),
  );

  // --- STS, as the new user -------------------------------------------------------------------------------
  const userSts = new STSClient({ endpoint, credentials: userCredentials, maxAttempts: 1 });
  const assumed = await run(
    "AssumeRole",
    userSts.send(new AssumeRoleCommand({ RoleArn: role.Role.Arn, RoleSessionName: names.session, DurationSeconds: 900 })),
  );
  out.sts.assumeRole = {
    credentials: describeCredentials(assumed.Credentials),
    assumedRoleArn: assumed.AssumedRoleUser.Arn,
    assumedRoleIdSuffix: assumed.AssumedRoleUser.AssumedRoleId.split(":")[1] ?? null,
    assumedRoleIdPrefix: assumed.AssumedRoleUser.AssumedRoleId.slice(0, 4),
  };
  const sessionCredentials = {
    accessKeyId: assumed.Credentials.AccessKeyId,
    secretAccessKey: assumed.Credentials.SecretAccessKey,
    sessionToken: assumed.Credentials.SessionToken,
    expiration: assumed.Credentials.Expiration,
  };

  const sessionSts = new STSClient({ endpoint, credentials: sessionCredentials, maxAttempts: 1 });
  const sessionIdentity = await run("GetCallerIdentity(session)", sessionSts.send(new GetCallerIdentityCommand({})));
  out.sts.sessionIdentity = {
    arn: sessionIdentity.Arn,
    account: sessionIdentity.Account,
    userIdSuffix: sessionIdentity.UserId.split(":")[1] ?? null,
  };

  const sessionToken = await run("GetSessionToken", userSts.send(new GetSessionTokenCommand({})));
  out.sts.getSessionToken = describeCredentials(sessionToken.Credentials);
  const tokenSts = new STSClient({
    endpoint,
    maxAttempts: 1,
    credentials: {
      accessKeyId: sessionToken.Credentials.AccessKeyId,
      secretAccessKey: sessionToken.Credentials.SecretAccessKey,
      sessionToken: sessionToken.Credentials.SessionToken,
    },
  });
  out.sts.sessionTokenIdentity = {
    arn: (await run("GetCallerIdentity(GetSessionToken)", tokenSts.send(new GetCallerIdentityCommand({})))).Arn,
  };

  // --- S3, path-style -------------------------------------------------------------------------------------
  const bucket = names.bucket;
  const createdBucket = await run("CreateBucket", rootS3.send(new CreateBucketCommand({ Bucket: bucket })));
  out.s3.createBucket = { location: createdBucket.Location ?? null, status: createdBucket.$metadata.httpStatusCode };

  const putString = await run(
    "PutObject(string)",
    rootS3.send(new PutObjectCommand({ Bucket: bucket, Key: "dir/a.txt", Body: STRING_BODY, ContentType: "text/plain" })),
  );
  out.s3.putString = {
    etag: putString.ETag,
    checksumCRC32: putString.ChecksumCRC32 ?? null,
    expectedCRC32: crc32Base64(STRING_BODY),
    sent: pick(sentHeaders.at(-1).headers),
  };

  // A Readable body makes the SDK send aws-chunked STREAMING-UNSIGNED-PAYLOAD-TRAILER with a CRC32 trailer, one
  // aws-chunk per chunk the stream yields. S3 requires every chunk but the last to hold at least 8 KiB
  // (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html), so a file-like stream succeeds,
  // a stream of tiny chunks gets InvalidChunkSizeError, and requestStreamBufferSize makes the SDK regroup it.
  const putStream = await run(
    "PutObject(stream)",
    rootS3.send(new PutObjectCommand({ Bucket: bucket, Key: "dir/sub/stream.txt", ...streamBody(STREAM_PARTS) })),
  );
  out.s3.putStream = {
    etag: putStream.ETag,
    checksumCRC32: putStream.ChecksumCRC32 ?? null,
    expectedCRC32: crc32Base64(STREAM_PARTS.join("")),
    expectedLength: STREAM_PARTS.join("").length,
    sent: pick(sentHeaders.at(-1).headers),
  };
  out.s3.smallChunks = await expectError(
    "PutObject(small chunks)",
    rootS3.send(new PutObjectCommand({ Bucket: bucket, Key: "dir/small.txt", ...streamBody(SMALL_PARTS) })),
  );
  const bufferedS3 = new S3Client({ endpoint, forcePathStyle: true, maxAttempts: 1, requestStreamBufferSize: 65_536 });
  const putBuffered = await run(
    "PutObject(small chunks, buffered)",
    bufferedS3.send(new PutObjectCommand({ Bucket: bucket, Key: "dir/small.txt", ...streamBody(SMALL_PARTS) })),
  );
  const getBuffered = await run(
    "GetObject(buffered)",
    rootS3.send(new GetObjectCommand({ Bucket: bucket, Key: "dir/small.txt" })),
  );
  out.s3.putBuffered = {
    body: await getBuffered.Body.transformToString(),
    checksumCRC32: putBuffered.ChecksumCRC32 ?? null,
    expectedCRC32: crc32Base64(SMALL_PARTS.join("")),
  };

  const get = await run("GetObject(string)", rootS3.send(new GetObjectCommand({ Bucket: bucket, Key: "dir/a.txt" })));
  out.s3.getString = {
    body: await get.Body.transformToString(),
    contentType: get.ContentType,
    contentLength: get.ContentLength,
    etag: get.ETag,
    checksumCRC32: get.ChecksumCRC32 ?? null,
    sentChecksumMode: sentHeaders.at(-1).headers["x-amz-checksum-mode"] ?? null,
  };
  const getStream = await run(
    "GetObject(stream)",
    rootS3.send(new GetObjectCommand({ Bucket: bucket, Key: "dir/sub/stream.txt" })),
  );
  const streamText = await getStream.Body.transformToString();
  out.s3.getStream = {
    bodyMatches: streamText === STREAM_PARTS.join(""),
    bodyLength: streamText.length,
    contentLength: getStream.ContentLength,
    checksumCRC32: getStream.ChecksumCRC32 ?? null,
  };

  const head = await run("HeadObject", rootS3.send(new HeadObjectCommand({ Bucket: bucket, Key: "dir/a.txt" })));
  out.s3.headObject = {
    contentLength: head.ContentLength,
    contentType: head.ContentType,
    etag: head.ETag,
    lastModifiedIsDate: head.LastModified instanceof Date,
    lastModifiedAgeSeconds: (Date.now() - head.LastModified.getTime()) / 1000,
  };

  const listed = await run(
    "ListObjectsV2",
    rootS3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "dir/", Delimiter: "/" })),
  );
  out.s3.listObjectsV2 = {
    keys: (listed.Contents ?? []).map((o) => o.Key),
    sizes: (listed.Contents ?? []).map((o) => o.Size),
    lastModifiedAreDates: (listed.Contents ?? []).every((o) => o.LastModified instanceof Date),
    commonPrefixes: (listed.CommonPrefixes ?? []).map((p) => p.Prefix),
    keyCount: listed.KeyCount,
    isTruncated: listed.IsTruncated,
    prefix: listed.Prefix,
    delimiter: listed.Delimiter,
  };

  // The role's session, with credentials chained from the user's key (fromTemporaryCredentials-style).
  const chained = temporaryCredentials(userSts, {
    RoleArn: role.Role.Arn,
    RoleSessionName: `${names.session}-chained`,
    DurationSeconds: 900,
  });
  const sessionS3 = new S3Client({ endpoint, forcePathStyle: true, credentials: chained, maxAttempts: 1 });
  const sessionGet = await run(
    "GetObject(session)",
    sessionS3.send(new GetObjectCommand({ Bucket: bucket, Key: "dir/a.txt" })),
  );
  out.s3.sessionGet = { body: await sessionGet.Body.transformToString() };
  out.s3.sessionDenied = await expectError(
    "PutObject(session)",
    sessionS3.send(new PutObjectCommand({ Bucket: bucket, Key: "dir/denied.txt", Body: "no" })),
  );
  const chainedSts = new STSClient({ endpoint, credentials: chained, maxAttempts: 1 });
  out.sts.chained = {
    arn: (await run("GetCallerIdentity(chained)", chainedSts.send(new GetCallerIdentityCommand({})))).Arn,
    assumeRoleCalls: chained.calls(),
  };

  for (const key of ["dir/a.txt", "dir/small.txt", "dir/sub/stream.txt"]) {
    await run(`DeleteObject(${key})`, rootS3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })));
  }
  out.s3.missingAfterDelete = await expectError(
    "HeadObject(deleted)",
    rootS3.send(new HeadObjectCommand({ Bucket: bucket, Key: "dir/a.txt" })),
  );
  const deleted = await run("DeleteBucket", rootS3.send(new DeleteBucketCommand({ Bucket: bucket })));
  out.s3.deleteBucket = { status: deleted.$metadata.httpStatusCode };

  out.s3.requests = sentHeaders.map(({ operation, method, path, query, headers }) => ({
    operation,
    method,
    path,
    xId: query["x-id"] ?? null,
    contentSha256: headers["x-amz-content-sha256"] ?? null,
  }));
  return out;
}

// The request headers that tell how the SDK framed and signed a body.
function pick(headers) {
  const signed = /SignedHeaders=([^,]+)/.exec(headers.authorization ?? "");
  return {
    contentSha256: headers["x-amz-content-sha256"] ?? null,
    contentEncoding: headers["content-encoding"] ?? null,
    transferEncoding: headers["transfer-encoding"] ?? null,
    trailer: headers["x-amz-trailer"] ?? null,
    decodedContentLength: headers["x-amz-decoded-content-length"] ?? null,
    checksumCRC32: headers["x-amz-checksum-crc32"] ?? null,
    signedHeaders: signed ? signed[1].split(";") : [],
  };
}

try {
  const out = await main();
  process.stdout.write(`${JSON.stringify(out)}\n`);
} catch (err) {
  const report = {
    failed: step,
    name: err?.name ?? null,
    message: err?.message ?? String(err),
    status: err?.$metadata?.httpStatusCode ?? null,
    stack: err?.stack ?? null,
  };
  process.stderr.write(`${JSON.stringify(report)}\n`);
  process.exit(1);
}
