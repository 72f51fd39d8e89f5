// UrlExpiry: the expiry instant of every signed-URL scheme in more-providers.md section 6, read
// from the URL alone; unsigned or unreadable URLs give no expiry.

#include "urlexpiry.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Qt::StringLiterals;

namespace
{
QDateTime at(int year, int month, int day, int hour, int minute, int second = 0)
{
    return QDateTime(QDate(year, month, day), QTime(hour, minute, second), Qt::UTC);
}

// 1763470800 = 2025-11-18 13:00:00 UTC
const QDateTime epochSample = QDateTime::fromSecsSinceEpoch(1763470800, Qt::UTC);

// A CloudFront custom policy, encoded the way CloudFront does it.
QByteArray cloudFrontPolicy(qint64 epochTime)
{
    const QJsonObject condition{{u"DateLessThan"_s, QJsonObject{{u"AWS:EpochTime"_s, epochTime}}}};
    const QJsonObject statement{{u"Resource"_s, u"https://d111111abcdef8.cloudfront.net/video/*"_s},
                                {u"Condition"_s, condition}};
    const QJsonObject policy{{u"Statement"_s, QJsonArray{statement}}};
    QByteArray encoded = QJsonDocument(policy).toJson(QJsonDocument::Compact).toBase64();
    for (char &c : encoded) {
        if (c == '+')
            c = '-';
        else if (c == '=')
            c = '_';
        else if (c == '/')
            c = '~';
    }
    return encoded;
}
} // namespace

class TestUrlExpiry : public QObject
{
    Q_OBJECT

private slots:
    void expiry_data();
    void expiry();
    void resultIsUtc();
};

void TestUrlExpiry::expiry_data()
{
    QTest::addColumn<QByteArray>("url");
    QTest::addColumn<QDateTime>("expected");

    QTest::newRow("S3 SigV4")
        << "https://bucket.s3.us-east-1.amazonaws.com/out/v.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
           "AKIAEXAMPLE%2F20251118%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20251118T120000Z&X-Amz-Expires=3600&"
           "X-Amz-SignedHeaders=host&X-Amz-Signature=9f8e7d"_ba
        << at(2025, 11, 18, 13, 0);
    QTest::newRow("S3 SigV4, names lower-cased by a proxy")
        << "https://bucket.s3.amazonaws.com/v.mp4?x-amz-algorithm=AWS4-HMAC-SHA256&x-amz-date=20251118T120000Z&"
           "x-amz-expires=60&x-amz-signature=ab"_ba
        << at(2025, 11, 18, 12, 1);
    QTest::newRow("S3 SigV2") << "https://bucket.s3.amazonaws.com/v.mp4?AWSAccessKeyId=AKIAEXAMPLE&Expires=1763470800&"
                                 "Signature=vjbyPxybdZaNmGa%2ByT272YEAiv4%3D"_ba
                              << epochSample;
    QTest::newRow("OSS V1") << "https://bucket.oss-cn-beijing.aliyuncs.com/v.mp4?Expires=1763470800&OSSAccessKeyId="
                               "LTAI5texample&Signature=abc%2Bdef%3D"_ba
                            << epochSample;
    QTest::newRow("OSS V2") << "https://bucket.oss-cn-hangzhou.aliyuncs.com/v.mp4?x-oss-signature-version=OSS2&"
                               "x-oss-access-key-id=LTAI5texample&x-oss-expires=1763470800&x-oss-signature=abc"_ba
                            << epochSample;
    QTest::newRow("OSS V4 relative")
        << "https://bucket.oss-cn-hangzhou.aliyuncs.com/v.mp4?x-oss-signature-version=OSS4-HMAC-SHA256&"
           "x-oss-credential=LTAI5texample%2F20251118%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&"
           "x-oss-date=20251118T120000Z&x-oss-expires=7200&x-oss-signature=abc"_ba
        << at(2025, 11, 18, 14, 0);
    QTest::newRow("OSS V4 with an absolute x-oss-expires")
        << "https://bucket.oss-cn-hangzhou.aliyuncs.com/v.mp4?x-oss-signature-version=OSS4-HMAC-SHA256&"
           "x-oss-date=20251118T120000Z&x-oss-expires=1763470800&x-oss-signature=abc"_ba
        << epochSample;
    QTest::newRow("OSS through S3 compatibility")
        << "https://bucket.oss-cn-shanghai.aliyuncs.com/v.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&"
           "X-Amz-Date=20251118T120000Z&X-Amz-Expires=86400&X-Amz-Signature=abc"_ba
        << at(2025, 11, 19, 12, 0);
    QTest::newRow("GCS V4 RSA")
        << "https://storage.googleapis.com/veo-out/sample_0.mp4?X-Goog-Algorithm=GOOG4-RSA-SHA256&"
           "X-Goog-Credential=sa%40proj.iam.gserviceaccount.com%2F20251118%2Fauto%2Fstorage%2F"
           "goog4_request&X-Goog-Date=20251118T120000Z&X-Goog-Expires=900&"
           "X-Goog-SignedHeaders=host&X-Goog-Signature=ab12"_ba
        << at(2025, 11, 18, 12, 15);
    QTest::newRow("GCS V4 HMAC") << "https://storage.googleapis.com/b/o.mp4?X-Goog-Algorithm=GOOG4-HMAC-SHA256&"
                                    "X-Goog-Date=20251118T120000Z&X-Goog-Expires=604800&X-Goog-Signature=ab"_ba
                                 << at(2025, 11, 25, 12, 0);
    QTest::newRow("GCS V2")
        << "https://storage.googleapis.com/b/o.mp4?GoogleAccessId=sa%40proj.iam.gserviceaccount.com&"
           "Expires=1763470800&Signature=abc%2F%3D"_ba
        << epochSample;
    QTest::newRow("Azure SAS se")
        << "https://acct.blob.core.windows.net/c/v.mp4?sv=2022-11-02&ss=b&srt=o&sp=r&"
           "st=2025-11-18T12%3A00%3A00Z&se=2025-11-18T14%3A30%3A00Z&spr=https&sig=abc%2Bdef%3D"_ba
        << at(2025, 11, 18, 14, 30);
    QTest::newRow("Azure user delegation: ske earlier than se")
        << "https://acct.blob.core.windows.net/c/v.mp4?sp=r&st=2025-11-18T12%3A00%3A00Z&se=2025-11-19T00%3A00%3A00Z&"
           "skoid=a1&sktid=b2&skt=2025-11-18T12%3A00%3A00Z&ske=2025-11-18T13%3A00%3A00Z&sks=b&skv=2022-11-02&"
           "sv=2022-11-02&sr=b&sig=abc"_ba
        << at(2025, 11, 18, 13, 0);
    QTest::newRow("Azure date-only se")
        << "https://acct.blob.core.windows.net/c/v.mp4?sv=2022-11-02&se=2025-11-20&sr=b&sig=x"_ba
        << at(2025, 11, 20, 0, 0);
    QTest::newRow("CloudFront canned")
        << "https://d111111abcdef8.cloudfront.net/video/v.mp4?Expires=1763470800&"
           "Signature=nitfHRCrtziwO2HwPfWw~yYDhUF5EwRunQA-j19DzZrvDh6hQ73lDx~-ar3UocvvRQVw6&"
           "Key-Pair-Id=K2JCJMDEHXQW5F"_ba
        << epochSample;
    QTest::newRow("CloudFront custom policy") << "https://d111111abcdef8.cloudfront.net/video/v.mp4?Policy="_ba
            + cloudFrontPolicy(1763474400) + "&Signature=abc~def&Key-Pair-Id=K2JCJMDEHXQW5F"_ba
                                              << at(2025, 11, 18, 14, 0);
    QTest::newRow("Volcengine TOS")
        << "https://ark-content.tos-cn-beijing.volces.com/out.mp4?X-Tos-Algorithm=TOS4-HMAC-SHA256&X-Tos-Credential="
           "AKLTexample%2F20251118%2Fcn-beijing%2Ftos%2Frequest&X-Tos-Date=20251118T120000Z&X-Tos-Expires=86400&"
           "X-Tos-Signature=abc&X-Tos-SignedHeaders=host"_ba
        << at(2025, 11, 19, 12, 0);
    QTest::newRow("Baidu BOS") << "https://qianfan.bj.bcebos.com/out/v.mp4?authorization=bce-auth-v1%2Fak0123456789%2F"
                                  "2025-11-18T12%3A00%3A00Z%2F1800%2Fhost%2F0a1b2c3d4e5f"_ba
                               << at(2025, 11, 18, 12, 30);
    QTest::newRow("Tencent COS")
        << "https://b-1250000000.cos.ap-guangzhou.myqcloud.com/v.mp4?q-sign-algorithm=sha1&"
           "q-ak=AKIDexample&q-sign-time=1763460000%3B1763470800&q-key-time=1763460000%3B1763470800&"
           "q-header-list=host&q-url-param-list=&q-signature=abc"_ba
        << epochSample;
    QTest::newRow("Tencent COS packed in sign=")
        << "https://b-1250000000.cos.ap-guangzhou.myqcloud.com/v.mp4?sign=q-sign-algorithm%3Dsha1%26q-ak%3DAKIDexample"
           "%26q-sign-time%3D1763460000%253B1763470800%26q-key-time%3D1763460000%253B1763470800%26q-signature%3Dabc"_ba
        << epochSample;
    QTest::newRow("fragment ignored")
        << "https://b.oss-cn-beijing.aliyuncs.com/v.mp4?OSSAccessKeyId=L&Expires=1763470800"
           "&Signature=s#t=10"_ba
        << epochSample;

    QTest::newRow("unsigned") << "https://video-product.cdn.minimax.io/inference_output/video/output.mp4"_ba
                              << QDateTime();
    QTest::newRow("unrelated query") << "https://cdn.example.com/v.mp4?token=abc&t=1763470800"_ba << QDateTime();
    QTest::newRow("API content URL") << "https://api.openai.com/v1/videos/video_123/content"_ba << QDateTime();
    QTest::newRow("empty") << QByteArray() << QDateTime();
    QTest::newRow("garbage SigV4 date")
        << "https://b.s3.amazonaws.com/v.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=yesterday&X-Amz-Expires=60"_ba
        << QDateTime();
    QTest::newRow("non-numeric Expires")
        << "https://b.s3.amazonaws.com/v.mp4?AWSAccessKeyId=A&Expires=soon&Signature=s"_ba << QDateTime();
    QTest::newRow("broken CloudFront policy")
        << "https://d1.cloudfront.net/v.mp4?Policy=%%%&Key-Pair-Id=K"_ba << QDateTime();
}

void TestUrlExpiry::expiry()
{
    QFETCH(QByteArray, url);
    QFETCH(QDateTime, expected);

    const QDateTime actual = UrlExpiry::expiryOf(url);
    QCOMPARE(actual.isValid(), expected.isValid());
    if (expected.isValid())
        QCOMPARE(actual, expected);
}

void TestUrlExpiry::resultIsUtc()
{
    const QDateTime azure
        = UrlExpiry::expiryOf("https://a.blob.core.windows.net/c/v?sv=1&se=2025-11-18T14%3A30%3A00Z&sig=x"_ba);
    QCOMPARE(azure.timeSpec(), Qt::UTC);
    QCOMPARE(azure.toSecsSinceEpoch(), 1763476200);
    const QDateTime s3 = UrlExpiry::expiryOf(
        "https://b.s3.amazonaws.com/v?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20251118T120000Z&X-Amz-Expires=0"_ba);
    QCOMPARE(s3.timeSpec(), Qt::UTC);
    QCOMPARE(s3.toSecsSinceEpoch(), 1763467200);
}

QTEST_APPLESS_MAIN(TestUrlExpiry)

#include "tst_urlexpiry.moc"
