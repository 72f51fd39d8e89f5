// IdExtractor: task IDs out of messy pasted text (JSON replies, curl -v transcripts, logs, CSV,
// lists), in order, without duplicates, and never a key, header value, date, host or URL.

#include "idextractor.h"

#include <QElapsedTimer>
#include <QTest>

using namespace Qt::StringLiterals;

namespace
{
QString numberedTaskId(int n)
{
    return u"task_"_s + QString::number(n, 16).rightJustified(32, u'0');
}

const QString soraId = u"video_69095b4ce0048190893a01510c0c98b0"_s;
const QString newApiId = u"task_3f2a9c1e7b5d4f60a8e1c2b3d4e5f607"_s;
const QString minimaxId = u"314052875571396"_s;
const QString arkId = u"cgt-20250101123456-abcd1234"_s;
const QString uuid = u"550e8400-e29b-41d4-a716-446655440000"_s;
const QString sd2Id = u"sd2_8f14e45fceea167a5a36dedd4bea2543"_s;
const QString klingId = u"CjhMXGd0b2wAAAAAAb1KcA"_s;
const QString apiKey = u"sk-proj-Xy12AbCdEfGh34IjKlMn56OpQrStUv78WxYz90"_s;

void verifyNoSecret(const QStringList &ids)
{
    for (const QString &id : ids) {
        QVERIFY2(!id.startsWith(u"sk-"_s), qPrintable(id));
        QVERIFY2(!id.contains(u"Xy12AbCd"_s), qPrintable(id));
    }
}
} // namespace

class TestIdExtractor : public QObject
{
    Q_OBJECT

private slots:
    void jsonReplies_data();
    void jsonReplies();
    void curlVerboseTranscript();
    void goEscapedJsonAfterCommand();
    void logLines();
    void csvColumns();
    void oneIdPerLine();
    void realIdShapes();
    void keysAreNeverIds_data();
    void keysAreNeverIds();
    void noiseIsNotAnId_data();
    void noiseIsNotAnId();
    void apiUrlsGiveTheirId();
    void longGarbageToken();
    void binaryGarbage();
    void emptyInput();
    void orderAndDuplicates();
    void looksLikeId_data();
    void looksLikeId();
    void normalise_data();
    void normalise();
    void twentyMegabytesIsFast();
};

void TestIdExtractor::jsonReplies_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("openai video object")
        << uR"({"id":"video_68f1c2d3e4b5a69788190a1b2c3d4e5f","object":"video","model":"sora-2","status":"completed",
"progress":100,"created_at":1763456700,"expires_at":1763460420,"size":"1280x720","seconds":"8","remixed_from_video_id":"video_0a1b2c3d4e5f60718293a4b5c6d7e8f9"})"_s
        << QStringList{u"video_68f1c2d3e4b5a69788190a1b2c3d4e5f"_s};
    // new-api nests the upstream's own "id" and a row id 1 beside the public task_id.
    QTest::newRow("new-api envelope")
        << uR"({"code":"success","message":"","data":{"id":1,"task_id":"task_3f2a9c1e7b5d4f60a8e1c2b3d4e5f607","status":"SUCCESS",
"progress":"100%","result_url":"https://console.mixroute.io/v1/videos/task_3f2a9c1e7b5d4f60a8e1c2b3d4e5f607/content",
"data":{"id":"video_69095b4ce0048190893a01510c0c98b0","model":"sora-2"}}})"_s
        << QStringList{newApiId};
    QTest::newRow("minimax reply: file_id is not a task")
        << uR"({"task_id":"314052875571396","status":"Success","file_id":"314053136425242","video_width":768,"video_height":1152,"base_resp":{"status_code":0,"status_msg":"success"}})"_s
        << QStringList{minimaxId};
    QTest::newRow("minimax numeric task_id")
        << uR"({"task_id": 314052875571396, "status": "Queueing"})"_s << QStringList{minimaxId};
    QTest::newRow("mingyan reply, model is not an id")
        << uR"({"id":"sd2_8f14e45fceea167a5a36dedd4bea2543","object":"video","created":1763456789,"model":"sd2_manxue_1080p","status":"completed","video_url":"https://cdn.aizfw.cn/results/2025/11/18/out_20251118123456.mp4"})"_s
        << QStringList{sd2Id};
    QTest::newRow("array of objects")
        << uR"([{"id":"video_aa11bb22cc33dd44ee55ff6677889900"},{"id":"video_00998877665544332211ffeeddccbbaa"},{"id":"video_aa11bb22cc33dd44ee55ff6677889900"}])"_s
        << QStringList{u"video_aa11bb22cc33dd44ee55ff6677889900"_s, u"video_00998877665544332211ffeeddccbbaa"_s};
    QTest::newRow("array of bare ids") << uR"(["task_0123456789abcdef0123456789abcdef", "314052875571396"])"_s
                                       << QStringList{u"task_0123456789abcdef0123456789abcdef"_s, minimaxId};
    QTest::newRow("pretty printed with escaped slashes")
        << u"{\n  \"task_id\" : \"video_69095b4ce0048190893a01510c0c98b0\",\n  \"url\": \"https:\\/\\/cdn.example.com\\/a\\/2025111812.mp4\"\n}"_s
        << QStringList{soraId};
    QTest::newRow("ndjson lines") << u"{\"level\":\"info\",\"request_id\":\"req_8f3a2b1c9d0e4f5a6b7c8d9e\",\"task_id\":"
                                     u"\"task_11112222333344445555666677778888\"}\n"
                                     "{\"level\":\"info\",\"task_id\":\"task_99990000aaaabbbbccccddddeeeeffff\"}\n"_s
                                  << QStringList{u"task_11112222333344445555666677778888"_s,
                                                 u"task_99990000aaaabbbbccccddddeeeeffff"_s};
}

void TestIdExtractor::jsonReplies()
{
    QFETCH(QString, text);
    QFETCH(QStringList, expected);
    QCOMPARE(IdExtractor::extract(text), expected);
}

void TestIdExtractor::curlVerboseTranscript()
{
    const QString transcript
        = uR"($ curl -v https://api.openai.com/v1/videos/video_68f1c2d3e4b5a69788190a1b2c3d4e5f -H "Authorization: Bearer sk-proj-Xy12AbCdEfGh34IjKlMn56OpQrStUv78WxYz90"
*   Trying 162.159.140.245:443...
* Connected to api.openai.com (162.159.140.245) port 443
* ALPN: curl offers h2,http/1.1
* TLSv1.3 (OUT), TLS handshake, Client hello (1):
*  CAfile: /etc/ssl/certs/ca-certificates.crt
* SSL connection using TLSv1.3 / TLS_AES_256_GCM_SHA384 / X25519MLKEM768 / id-ecPublicKey
*  subject: CN=api.openai.com
*  start date: Oct  1 00:00:00 2025 GMT
*  expire date: Dec 30 23:59:59 2025 GMT
*  issuer: C=US; O=Google Trust Services; CN=WE1
* using HTTP/2
* [HTTP/2] [1] OPENED stream for https://api.openai.com/v1/videos/video_68f1c2d3e4b5a69788190a1b2c3d4e5f
* [HTTP/2] [1] [:method: GET]
* [HTTP/2] [1] [authorization: Bearer sk-proj-Xy12AbCdEfGh34IjKlMn56OpQrStUv78WxYz90]
> GET /v1/videos/video_68f1c2d3e4b5a69788190a1b2c3d4e5f HTTP/2
> Host: api.openai.com
> User-Agent: curl/8.5.0
> Accept: */*
> Authorization: Bearer sk-proj-Xy12AbCdEfGh34IjKlMn56OpQrStUv78WxYz90
>
< HTTP/2 200
< date: Tue, 18 Nov 2025 12:00:00 GMT
< content-type: application/json
< content-length: 1234567890123
< openai-organization: org-Ab12Cd34Ef56Gh78Ij90Kl12
< openai-processing-ms: 48
< x-request-id: req_8f3a2b1c9d0e4f5a6b7c8d9e0f1a2b3c
< cf-ray: 9a0b1c2d3e4f5a6b-SJC
< set-cookie: __cf_bm=Qx7Yz8Ab9Cd0Ef1Gh2Ij3Kl4Mn5Op6Qr7St8Uv9Wx0Yz1-1763467200-1.0.1.1-AbCdEf; path=/; expires=Tue, 18-Nov-25 12:30:00 GMT; domain=.api.openai.com; HttpOnly; Secure
< x-ratelimit-remaining-requests: 4999
< etag: "d41d8cd98f00b204e9800998ecf8427e"
<
{
  "id": "video_68f1c2d3e4b5a69788190a1b2c3d4e5f",
  "object": "video",
  "created_at": 1763456700,
  "status": "in_progress",
  "model": "sora-2",
  "progress": 42,
  "seconds": "8",
  "size": "1280x720"
}
* Connection #0 to host api.openai.com left intact
)"_s;
    const QStringList ids = IdExtractor::extract(transcript);
    QCOMPARE(ids, QStringList{u"video_68f1c2d3e4b5a69788190a1b2c3d4e5f"_s});
    verifyNoSecret(ids);
}

void TestIdExtractor::goEscapedJsonAfterCommand()
{
    // new-api is written in Go, whose JSON encoder writes '&' as \u0026 inside URLs.
    const QString text
        = uR"($ curl -s https://console.mixroute.io/v1/video/generations/task_3f2a9c1e7b5d4f60a8e1c2b3d4e5f607 -H "Authorization: Bearer sk-proj-Xy12AbCdEfGh34IjKlMn56OpQrStUv78WxYz90"
{"code":"success","message":"","data":{"task_id":"task_3f2a9c1e7b5d4f60a8e1c2b3d4e5f607","status":"SUCCESS","result_url":"https:\/\/dashscope-result-bj.oss-cn-beijing.aliyuncs.com\/1d\/wan\/out.mp4?Expires=1763543189\u0026OSSAccessKeyId=LTAI5tAbCdEf1234567890\u0026Signature=9f8e7d6c5b4a39281716a1b2c3d4e5f6a7b8c9d0","data":{"q-signature":"0123456789abcdef0123456789abcdef01234567"}}}
)"_s;
    const QStringList ids = IdExtractor::extract(text);
    QCOMPARE(ids, QStringList{newApiId});
    verifyNoSecret(ids);
}

void TestIdExtractor::logLines()
{
    const QString log
        = uR"(2025-11-18 12:00:01,123 INFO  [poller] polling task_8d2f0a9c4b7e41d3a6f5c2b1e0d9c8b7 status=processing progress=30%
2025-11-18 12:00:02,456 WARN  [poller] task task_8d2f0a9c4b7e41d3a6f5c2b1e0d9c8b7: HTTP 429, retry after 7s
2025-11-18T12:00:03.789Z ERROR minimax task_id=314052875571396 base_resp.status_code=1002 request_id=0a1b2c3d4e5f60718293a4b5c6d7e8f9
[12:00:04] mingyan id:sd2_9a8b7c6d5e4f30211f2e3d4c5b6a7980 done -> https://cdn.aizfw.cn/results/2025/11/18/out.mp4 (build 1.4.2, ts=1763467204123)
12:00:05 DEBUG using api_key=sk-abc123def456ghi789jkl012 and token: 9f8e7d6c5b4a39281716 for video_69095b4ce0048190893a01510c0c98b0.
Traceback (most recent call last): File "/usr/lib/python3.11/site-packages/requests/sessions.py", line 589
)"_s;
    const QStringList ids = IdExtractor::extract(log);
    QCOMPARE(ids,
             QStringList({u"task_8d2f0a9c4b7e41d3a6f5c2b1e0d9c8b7"_s, minimaxId,
                          u"sd2_9a8b7c6d5e4f30211f2e3d4c5b6a7980"_s, soraId}));
    verifyNoSecret(ids);
}

void TestIdExtractor::csvColumns()
{
    const QString csv = uR"(task_id,status,model,created_at,url
video_69095b4ce0048190893a01510c0c98b0,succeeded,sora-2,2025-11-18 12:00:00,https://cdn.example.com/v/20251118/a1b2c3d4e5f6.mp4
"cgt-20250101123456-abcd1234",queued,doubao-seedance-1-0-pro-250528,2025-11-18 12:01:00,
550e8400-e29b-41d4-a716-446655440000;failed;MiniMax-Hailuo-02;1763467200;
video_69095b4ce0048190893a01510c0c98b0,succeeded,sora-2,2025-11-18 12:03:00,https://cdn.example.com/v/b.mp4?Expires=1763543189&OSSAccessKeyId=LTAI5texample&Signature=abc
)"_s;
    QCOMPARE(IdExtractor::extract(csv), QStringList({soraId, arkId, uuid}));
}

void TestIdExtractor::oneIdPerLine()
{
    const QString list = u"  video_a1b2c3d4e5f6a7b8c9d0  \n"
                         "'task_0123456789abcdef0123456789abcdef'\r\n"
                         "\t314052875571396\n"
                         "\n"
                         "video_a1b2c3d4e5f6a7b8c9d0\n"
                         "\u201Csd2_8f14e45fceea167a5a36dedd4bea2543\u201D\n"
                         "- CjhMXGd0b2wAAAAAAb1KcA\n"
                         "* 550e8400-e29b-41d4-a716-446655440000.\n"_s;
    QCOMPARE(IdExtractor::extract(list),
             QStringList({u"video_a1b2c3d4e5f6a7b8c9d0"_s, u"task_0123456789abcdef0123456789abcdef"_s, minimaxId, sd2Id,
                          klingId, uuid}));
}

void TestIdExtractor::realIdShapes()
{
    const QStringList shapes{soraId,         newApiId, minimaxId, arkId,
                             uuid,           sd2Id,    klingId,   u"0385dc79-5ff8-4d82-bcb6-caf7b8f1f5f0"_s,
                             u"1234567890"_s};
    QCOMPARE(IdExtractor::extract(shapes.join(u' ')), shapes);
    QCOMPARE(IdExtractor::extract(shapes.join(u',')), shapes);
    QCOMPARE(IdExtractor::extract(shapes.join(u"\t|\t"_s)), shapes);
    for (const QString &id : shapes)
        QVERIFY2(IdExtractor::looksLikeId(id), qPrintable(id));
}

void TestIdExtractor::keysAreNeverIds_data()
{
    QTest::addColumn<QString>("text");

    QTest::newRow("openai project key") << apiKey;
    QTest::newRow("sk key in prose") << u"my key is sk-abc123def456ghi789jkl012mno345 thanks"_s;
    QTest::newRow("sk underscore") << u"sk_live_51H8abc123DEF456ghi789"_s;
    QTest::newRow("bearer without sk prefix") << u"Authorization: Bearer 0a1b2c3d4e5f60718293a4b5c6d7e8f9"_s;
    QTest::newRow("bearer mid line") << u"curl -H 'authorization: bearer abc+123/def456==' https://x"_s;
    QTest::newRow("x-api-key header") << u"X-Api-Key: 0123abcd4567efgh8901ijkl"_s;
    QTest::newRow("api_key param") << u"api_key=9f8e7d6c5b4a39281716&x=1"_s;
    QTest::newRow("json api key") << uR"({"api_key": "a9b8c7d6e5f4a3b2c1d0"})"_s;
    QTest::newRow("jwt") << u"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc123def456ghi789"_s;
    QTest::newRow("aws key id") << u"AKIAIOSFODNN7EXAMPLE"_s;
    QTest::newRow("aliyun key id") << u"LTAI5tAbCdEf1234567890"_s;
    QTest::newRow("google api key") << u"AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUv"_s;
    QTest::newRow("github token") << u"ghp_1a2b3c4d5e6f7g8h9i0j1k2l3m4n5o6p7q8r"_s;
}

void TestIdExtractor::keysAreNeverIds()
{
    QFETCH(QString, text);
    const QStringList ids = IdExtractor::extract(text);
    QVERIFY2(ids.isEmpty(), qPrintable(ids.join(u", "_s)));
}

void TestIdExtractor::noiseIsNotAnId_data()
{
    QTest::addColumn<QString>("text");

    QTest::newRow("date time") << u"2025-11-18 12:30:00"_s;
    QTest::newRow("iso timestamp") << u"2025-11-18T12:30:00.123Z"_s;
    QTest::newRow("compact timestamp") << u"20251118T123000Z 20251118123000"_s;
    QTest::newRow("versions") << u"v1.2.3 2.31.0 6.4.2+dfsg-10 curl/8.5.0 Mozilla/5.0"_s;
    QTest::newRow("ip addresses") << u"192.168.100.200 10.0.0.1:8080 [2606:4700::6810:84e5]"_s;
    QTest::newRow("hosts") << u"api.openai.com console.mixroute.io zcbservice.aizfw.cn www.example12345.com"_s;
    QTest::newRow("file names") << u"output_20251118.mp4 video12345678.mp4 report2025.json"_s;
    QTest::newRow("hex colours") << u"color: #a1b2c3d4; background:#1f2e3d"_s;
    QTest::newRow("resolutions") << u"1280x720 1920X1080"_s;
    QTest::newRow("decimals") << u"3.14159265 1234.5678"_s;
    QTest::newRow("model names")
        << u"sd2_manxue_1080p doubao-seedance-1-0-pro-250528 MiniMax-Hailuo-02 veo-3.1-generate-preview"_s;
    QTest::newRow("tls words") << u"ECDHE-RSA-AES128-GCM-SHA256 TLS_AES_256_GCM_SHA384 X25519MLKEM768 secp384r1"_s;
    QTest::newRow("http words") << u"HTTP/1.1 200 OK Content-Type: application/json Content-Length: 12345678"_s;
    QTest::newRow("words") << u"The quick brown fox jumps over the lazy dog, processing completed successfully."_s;
    QTest::newRow("short numbers") << u"123456789 42 2025"_s;
    QTest::newRow("url")
        << u"https://cdn.example.com/a1b2c3d4e5f6a7b8/9f8e7d6c5b4a3928.mp4?Expires=1763543189&sig=abcdef0123456789"_s;
}

void TestIdExtractor::noiseIsNotAnId()
{
    QFETCH(QString, text);
    const QStringList ids = IdExtractor::extract(text);
    QVERIFY2(ids.isEmpty(), qPrintable(ids.join(u", "_s)));
}

void TestIdExtractor::apiUrlsGiveTheirId()
{
    const QString text
        = u"GET https://console.mixroute.io/v1/video/generations/video_69095b4ce0048190893a01510c0c98b0 "
          "then https://gw.example.net/api/task/314052875571396 and "
          "https://api.minimax.io/v1/query/video_generation?task_id=361721749176519 and "
          "https://zcbservice.aizfw.cn/kyyReactApiServer/v1/result/sd2_8f14e45fceea167a5a36dedd4bea2543 and "
          "https://console.mixroute.io/v1/video/generations/download?id=task_3f2a9c1e7b5d4f60a8e1c2b3d4e5f607"_s;
    QCOMPARE(IdExtractor::extract(text), QStringList({soraId, minimaxId, u"361721749176519"_s, sd2Id, newApiId}));
}

void TestIdExtractor::longGarbageToken()
{
    QString garbage;
    for (int i = 0; i < 5000; ++i)
        garbage += u"a7"_s;
    QCOMPARE(garbage.size(), 10000);
    QVERIFY(IdExtractor::extract(garbage).isEmpty());
    // An ID glued inside the garbage is not cut out of it; one beside it is found.
    QVERIFY(IdExtractor::extract(garbage + soraId + garbage).isEmpty());
    QCOMPARE(IdExtractor::extract(garbage + u' ' + soraId + u'\n' + garbage), QStringList{soraId});
    QVERIFY(!IdExtractor::looksLikeId(garbage));
}

void TestIdExtractor::binaryGarbage()
{
    // Deterministic noise shaped like a media file: ftyp box, then pseudo-random bytes.
    QByteArray bytes("\x00\x00\x00\x20"
                     "ftypisom\x00\x00\x02\x00",
                     16);
    quint32 state = 12345;
    for (int i = 0; i < 65536; ++i) {
        state = state * 1103515245u + 12345u;
        bytes.append(char((state >> 16) & 0xff));
    }
    const QString latin1 = QString::fromLatin1(bytes);
    const QString utf8 = QString::fromUtf8(bytes);
    QVERIFY(IdExtractor::extract(latin1).isEmpty());
    QVERIFY(IdExtractor::extract(utf8).isEmpty());

    // IDs between NULs in the garbage still come out.
    const QString mixed = latin1 + QChar(0) + soraId + QChar(0) + latin1 + QChar(0) + minimaxId + QChar(0);
    QCOMPARE(IdExtractor::extract(mixed), QStringList({soraId, minimaxId}));
}

void TestIdExtractor::emptyInput()
{
    QVERIFY(IdExtractor::extract(QString()).isEmpty());
    QVERIFY(IdExtractor::extract(u""_s).isEmpty());
    QVERIFY(IdExtractor::extract(u"   \n\t\r\n"_s).isEmpty());
    QVERIFY(IdExtractor::extract(u"{}"_s).isEmpty());
    QVERIFY(IdExtractor::extract(u"[]"_s).isEmpty());
    QVERIFY(!IdExtractor::looksLikeId(QString()));
}

void TestIdExtractor::orderAndDuplicates()
{
    const QString b = u"task_bbbb2222cccc3333dddd4444eeee5555"_s;
    const QString a = u"task_aaaa1111cccc3333dddd4444eeee5555"_s;
    const QString c = u"task_cccc3333dddd4444eeee5555ffff6666"_s;
    const QString text = b + u" "_s + a + u"\n"_s + b + u", "_s + c + u" "_s + a + u" "_s + c;
    QCOMPARE(IdExtractor::extract(text), QStringList({b, a, c}));
}

void TestIdExtractor::looksLikeId_data()
{
    QTest::addColumn<QString>("token");
    QTest::addColumn<bool>("expected");

    QTest::newRow("sora") << soraId << true;
    QTest::newRow("quoted sora") << u"  \"video_69095b4ce0048190893a01510c0c98b0\"  "_s << true;
    QTest::newRow("new-api") << newApiId << true;
    QTest::newRow("digits 15") << minimaxId << true;
    QTest::newRow("digits 10") << u"1234567890"_s << true;
    QTest::newRow("digits 9") << u"123456789"_s << false;
    QTest::newRow("uuid") << uuid << true;
    QTest::newRow("ark") << arkId << true;
    QTest::newRow("key") << apiKey << false;
    QTest::newRow("date") << u"2025-11-18"_s << false;
    QTest::newRow("host") << u"api.openai.com"_s << false;
    QTest::newRow("version") << u"10.20.30.40"_s << false;
    QTest::newRow("word") << u"processing"_s << false;
    QTest::newRow("model") << u"sd2_manxue_1080p"_s << false;
    QTest::newRow("with space") << u"video_1234 5678abcd"_s << false;
    QTest::newRow("url") << u"https://x.example/video_69095b4ce0048190893a01510c0c98b0"_s << false;
    QTest::newRow("too long") << QString(129, u'7') << false;
}

void TestIdExtractor::looksLikeId()
{
    QFETCH(QString, token);
    QFETCH(bool, expected);
    QCOMPARE(IdExtractor::looksLikeId(token), expected);
}

void TestIdExtractor::normalise_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");

    QTest::newRow("plain") << u"video_1"_s << u"video_1"_s;
    QTest::newRow("blanks") << u" \t video_1 \r\n"_s << u"video_1"_s;
    QTest::newRow("double quotes") << u"\"video_1\""_s << u"video_1"_s;
    QTest::newRow("single quotes and blanks") << u"  'video_1'  "_s << u"video_1"_s;
    QTest::newRow("backticks") << u"`video_1`"_s << u"video_1"_s;
    QTest::newRow("typographic quotes") << u"\u201Cvideo_1\u201D"_s << u"video_1"_s;
    QTest::newRow("zero-width and bom") << u"\u200Bvideo_1\uFEFF"_s << u"video_1"_s;
    QTest::newRow("inner blanks kept") << u" a b "_s << u"a b"_s;
    QTest::newRow("inner quote kept") << u"a'b"_s << u"a'b"_s;
    QTest::newRow("hostile kept verbatim") << u" a/../../b?c#d "_s << u"a/../../b?c#d"_s;
    QTest::newRow("only quotes") << u"\"\""_s << QString();
    QTest::newRow("empty") << QString() << QString();
}

void TestIdExtractor::normalise()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QCOMPARE(IdExtractor::normalise(input), expected);
}

void TestIdExtractor::twentyMegabytesIsFast()
{
    // A big log: many lines, many distinct IDs, keys, URLs and dates.
    QString text;
    text.reserve(21 * 1024 * 1024);
    int line = 0;
    while (text.size() < 20 * 1024 * 1024) {
        const QString id = numberedTaskId(line % 50000);
        text += u"2025-11-18 12:00:01,123 INFO [poller] GET https://api.example.com/v1/videos/"_s + id
            + u" status=processing progress=30% request_id=req_0a1b2c3d4e5f6071 Authorization: Bearer "_s + apiKey
            + u" {\"task_id\":\""_s + id + u"\",\"created_at\":1763456700,\"model\":\"sora-2\"}\n"_s;
        ++line;
    }

    QElapsedTimer timer;
    timer.start();
    const QStringList ids = IdExtractor::extract(text);
    const qint64 elapsed = timer.elapsed();
    qInfo("20 MB (%d lines) in %lld ms", line, elapsed);

    QCOMPARE(ids.size(), 50000);
    QCOMPARE(ids.first(), numberedTaskId(0));
    QCOMPARE(ids.last(), numberedTaskId(49999));
    verifyNoSecret(ids);
    // Well under a second on a developer machine; the bound leaves room for a loaded CI box.
    QVERIFY2(elapsed < 3000, qPrintable(QString::number(elapsed)));
}

QTEST_APPLESS_MAIN(TestIdExtractor)

#include "tst_idextractor.moc"
