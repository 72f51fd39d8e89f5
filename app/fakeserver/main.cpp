// reelkeep-fakeserver: runs the project's fake provider server on loopback so the CLI and the
// window can be tried without any real provider account.

#include "fakeproviderserver.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTextStream>

using namespace Qt::StringLiterals;

namespace {

// Which variant of the provider's API the task speaks (several share one provider name).
QString shapeLabel(FakeTaskSpec::Shape shape)
{
    using Shape = FakeTaskSpec::Shape;
    switch (shape) {
    case Shape::Mingyan: return u"result"_s;
    case Shape::Mixroute: return u"flat"_s;
    case Shape::MixrouteSora: return u"sora-2 download"_s;
    case Shape::NewApi: return u"envelope"_s;
    case Shape::NewApiLegacy: return u"legacy fail_reason"_s;
    case Shape::NewApiSora: return u"sora content"_s;
    case Shape::TaskGatewayEnvelope: return u"envelope"_s;
    case Shape::TaskGatewayInline: return u"inline base64"_s;
    case Shape::TaskGatewayFileId: return u"file_id"_s;
    case Shape::MiniMax: return u"v1 file_id"_s;
    case Shape::OpenAi: return u"videos"_s;
    }
    return {};
}

// One line on what the demo task will do, so whoever runs the demo knows what to expect.
QString describe(const FakeTaskSpec &spec)
{
    QStringList notes;
    if (!spec.failReason.isEmpty())
        notes << u"fails: %1"_s.arg(spec.failReason);
    if (spec.rateLimitQueries > 0)
        notes << u"429 on the way"_s;
    if (spec.serverErrorQueries > 0)
        notes << u"5xx on the way"_s;
    if (spec.firstUrlExpired)
        notes << u"first URL already expired"_s;
    if (spec.neverFreshUrl)
        notes << u"every URL already expired"_s;
    if (spec.redirectFromOtherHost)
        notes << u"URL redirects via another host"_s;
    if (spec.bytesPerSecond > 0)
        notes << u"slow transfer, %1 KiB/s"_s.arg(spec.bytesPerSecond / 1024);
    if (notes.isEmpty())
        notes << u"succeeds"_s;
    return notes.join(u", "_s);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"reelkeep-fakeserver"_s);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Serves fake AI video provider APIs, a signed-URL CDN and a redirecting host on 127.0.0.1."_s);
    parser.addHelpOption();
    const QCommandLineOption portOption(u"port"_s, u"API origin port (default: any free port)."_s, u"N"_s, u"0"_s);
    const QCommandLineOption keyOption(u"api-key"_s, u"Require this Bearer key on the API origin."_s, u"KEY"_s);
    const QCommandLineOption demoOption(u"demo"_s, u"Load the demo tasks and print their IDs."_s);
    // Scripted load for bench/: N tasks of the mingyan shape named bench_000000..., each queued
    // and processing for a number of status queries, then completed with its video.
    const QCommandLineOption tasksOption(u"tasks"_s, u"Add N tasks named bench_000000... (mingyan shape)."_s, u"N"_s);
    const QCommandLineOption queuedOption(u"queued-polls"_s, u"Queries each --tasks task answers queued (default 0)."_s,
                                          u"N"_s, u"0"_s);
    const QCommandLineOption processingOption(u"processing-polls"_s,
                                              u"Queries each --tasks task answers processing before it completes (default 2)."_s,
                                              u"N"_s, u"2"_s);
    const QCommandLineOption bytesOption(u"video-bytes"_s, u"Size of each --tasks task's generated video (default 65536)."_s,
                                         u"BYTES"_s, u"65536"_s);
    const QCommandLineOption urlOption(u"video-url"_s, u"Hand out this URL as each --tasks task's video link instead."_s,
                                       u"URL"_s);
    parser.addOptions({portOption, keyOption, demoOption, tasksOption, queuedOption, processingOption, bytesOption,
                       urlOption});
    parser.process(app);

    bool portOk = false;
    const uint port = parser.value(portOption).toUInt(&portOk);
    if (!portOk || port > 65535) {
        QTextStream(stderr) << "reelkeep-fakeserver: --port must be 0-65535\n";
        return 2;
    }

    FakeProviderServer server;
    if (parser.isSet(keyOption))
        server.setApiKey(parser.value(keyOption));
    if (!server.listen(quint16(port))) {
        QTextStream(stderr) << "reelkeep-fakeserver: cannot listen on 127.0.0.1:" << port << '\n';
        return 1;
    }

    if (parser.isSet(tasksOption)) {
        bool ok = false;
        const int count = parser.value(tasksOption).toInt(&ok);
        if (!ok || count < 0) {
            QTextStream(stderr) << "reelkeep-fakeserver: --tasks must be a count\n";
            return 2;
        }
        FakeTaskSpec spec;
        spec.queuedPolls = qMax(0, parser.value(queuedOption).toInt());
        spec.processingPolls = qMax(0, parser.value(processingOption).toInt());
        spec.videoBytes = qMax<qint64>(1024, parser.value(bytesOption).toLongLong());
        spec.externalVideoUrl = parser.value(urlOption).toUtf8();
        for (int i = 0; i < count; ++i) {
            spec.id = u"bench_%1"_s.arg(i, 6, 10, QLatin1Char('0'));
            server.addTask(spec);
        }
    }

    QTextStream out(stdout);
    out << "api    " << server.apiBaseUrl().toString() << '\n'
        << "cdn    " << server.cdnBaseUrl().toString() << '\n'
        << "other  " << server.otherBaseUrl().toString() << '\n';
    if (parser.isSet(demoOption)) {
        out << "\nprovider     shape               task id  (what it does)\n";
        const QStringList ids = server.loadDemoScenario();
        for (const QString &id : ids) {
            const FakeTaskSpec spec = server.taskSpec(id);
            out << FakeProviderServer::providerName(spec.shape).leftJustified(12) << ' '
                << shapeLabel(spec.shape).leftJustified(19) << ' ' << id << "  (" << describe(spec) << ")\n";
        }
    }
    out.flush();
    return app.exec();
}
