#include "benchsupport.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTextStream>
#include <QThread>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace Bench
{

namespace
{
double seconds(const timeval &tv)
{
    return double(tv.tv_sec) + double(tv.tv_usec) / 1e6;
}
} // namespace

ChildRun run(const QStringList &argv, const QStringList &extraEnv)
{
    ChildRun out;
    if (argv.isEmpty())
        return out;
    std::vector<QByteArray> args;
    for (const QString &a : argv)
        args.push_back(a.toLocal8Bit());
    std::vector<char *> cargs;
    for (QByteArray &a : args)
        cargs.push_back(a.data());
    cargs.push_back(nullptr);

    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const QString &entry : extraEnv) {
        const qsizetype eq = entry.indexOf(u'=');
        environment.insert(entry.left(eq), entry.mid(eq + 1));
    }
    std::vector<QByteArray> env;
    for (const QString &entry : environment.toStringList())
        env.push_back(entry.toLocal8Bit());
    std::vector<char *> cenv;
    for (QByteArray &e : env)
        cenv.push_back(e.data());
    cenv.push_back(nullptr);

    int fds[2];
    if (pipe(fds) != 0)
        return out;
    std::fflush(stdout);
    QElapsedTimer clock;
    clock.start();
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        const int null = open("/dev/null", O_RDONLY);
        if (null >= 0)
            dup2(null, STDIN_FILENO);
        execvpe(cargs[0], cargs.data(), cenv.data());
        _exit(127);
    }
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        return out;
    }
    QByteArray pending;
    char buffer[65536];
    // The child's own VmHWM, sampled while it runs: wait4's ru_maxrss also counts the pages
    // the child shared with this process between fork and exec. Samples taken before the exec
    // (the process still has this program's name) are skipped for the same reason.
    const QByteArray statusPath = "/proc/" + QByteArray::number(pid) + "/status";
    const QByteArray execName = "Name:\t" + QFileInfo(argv.first()).fileName().toLocal8Bit().left(15) + '\n';
    const auto sampleHwm = [&] {
        const int fd = open(statusPath.constData(), O_RDONLY);
        if (fd < 0)
            return;
        char text[4096];
        const ssize_t got = read(fd, text, sizeof text - 1);
        close(fd);
        if (got <= 0)
            return;
        text[got] = 0;
        if (!std::strstr(text, execName.constData()))
            return;
        if (const char *hwm = std::strstr(text, "VmHWM:"))
            out.sampledHwmMiB = std::max(out.sampledHwmMiB, std::strtod(hwm + 6, nullptr) / 1024.0);
    };
    for (;;) {
        pollfd waitFor{fds[0], POLLIN, 0};
        const int ready = poll(&waitFor, 1, 20);
        sampleHwm();
        if (ready == 0 || (ready < 0 && errno == EINTR))
            continue;
        const ssize_t n = read(fds[0], buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        const double at = double(clock.nsecsElapsed()) / 1e9;
        pending.append(buffer, n);
        qsizetype newline;
        while ((newline = pending.indexOf('\n')) >= 0) {
            out.lines.append({at, pending.left(newline)});
            pending.remove(0, newline + 1);
        }
    }
    close(fds[0]);
    int status = 0;
    rusage usage{};
    while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) { }
    out.wallSeconds = double(clock.nsecsElapsed()) / 1e9;
    if (!pending.isEmpty())
        out.lines.append({out.wallSeconds, pending});
    out.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    out.userSeconds = seconds(usage.ru_utime);
    out.systemSeconds = seconds(usage.ru_stime);
    out.peakRssMiB = double(usage.ru_maxrss) / 1024.0; // KiB on Linux
    return out;
}

void result(const QString &benchmark, const QString &figure, const QString &reelkeep, const QString &baseline,
            const QString &ratio, const QString &goal, const QString &met)
{
    QTextStream(stdout) << "RESULT\t" << benchmark << '\t' << figure << '\t' << reelkeep << '\t' << baseline << '\t'
                        << ratio << '\t' << goal << '\t' << met << Qt::endl;
}

void note(const QString &text)
{
    QTextStream(stdout) << text << Qt::endl;
}

double median(QList<double> values)
{
    return percentile(std::move(values), 0.5);
}

double percentile(QList<double> values, double fraction)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    if (fraction == 0.5 && values.size() % 2 == 0)
        return (values[values.size() / 2 - 1] + values[values.size() / 2]) / 2;
    const qsizetype index = std::clamp<qsizetype>(qsizetype(fraction * double(values.size())), 0, values.size() - 1);
    return values[index];
}

QString fixed(double value, int decimals)
{
    return QString::number(value, 'f', decimals);
}

QString yesNo(bool met)
{
    return met ? u"yes"_s : u"no"_s;
}

QString sibling(const QString &name)
{
    return QDir(QCoreApplication::applicationDirPath()).filePath(name);
}

QString findProgram(const QString &name)
{
    QString path = QStandardPaths::findExecutable(name);
    if (path.isEmpty())
        path = QStandardPaths::findExecutable(name, {u"/usr/sbin"_s, u"/sbin"_s, u"/usr/local/sbin"_s});
    return path;
}

double selfCpuSeconds()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double selfPeakRssMiB()
{
    QFile status(u"/proc/self/status"_s);
    if (status.open(QIODevice::ReadOnly)) {
        for (const QByteArray &line : status.readAll().split('\n')) {
            if (line.startsWith("VmHWM:"))
                return line.mid(6).trimmed().split(' ').value(0).toDouble() / 1024.0;
        }
    }
    return 0;
}

FakeServer::FakeServer(const QStringList &arguments) : m_process(std::make_unique<QProcess>())
{
    m_process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_process->start(sibling(u"reelkeep-fakeserver"_s), arguments);
    if (!m_process->waitForStarted(10'000))
        return;
    QByteArray seen;
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < 60'000 && !m_cdn.isValid()) {
        if (!m_process->canReadLine() && !m_process->waitForReadyRead(1'000)) {
            if (m_process->state() != QProcess::Running)
                return;
            continue;
        }
        while (m_process->canReadLine()) {
            const QByteArray line = m_process->readLine().trimmed();
            if (line.startsWith("api "))
                m_api = QUrl(QString::fromUtf8(line.mid(4).trimmed()));
            else if (line.startsWith("cdn "))
                m_cdn = QUrl(QString::fromUtf8(line.mid(4).trimmed()));
        }
    }
}

FakeServer::~FakeServer()
{
    if (m_process->state() != QProcess::NotRunning) {
        m_process->terminate();
        if (!m_process->waitForFinished(5'000))
            m_process->kill();
        m_process->waitForFinished(5'000);
    }
}

Nginx::Nginx() : m_dir(std::make_unique<QTemporaryDir>()) { }

Nginx::~Nginx()
{
    if (m_pid > 0) {
        ::kill(pid_t(m_pid), SIGTERM);
        int status = 0;
        waitpid(pid_t(m_pid), &status, 0);
    }
}

QString Nginx::root() const
{
    return m_dir->filePath(u"www"_s);
}

QUrl Nginx::url(const QString &fileName) const
{
    return QUrl(u"http://127.0.0.1:%1/%2"_s.arg(m_port).arg(fileName));
}

bool Nginx::start()
{
    const QString nginx = findProgram(u"nginx"_s);
    if (nginx.isEmpty()) {
        m_error = u"nginx is not installed"_s;
        return false;
    }
    {
        QTcpServer probe;
        if (!probe.listen(QHostAddress::LocalHost)) {
            m_error = u"no free port"_s;
            return false;
        }
        m_port = probe.serverPort();
    }
    QDir(m_dir->path()).mkpath(u"www"_s);
    QDir(m_dir->path()).mkpath(u"logs"_s);
    const QString conf = m_dir->filePath(u"nginx.conf"_s);
    QFile file(conf);
    if (!file.open(QIODevice::WriteOnly)) {
        m_error = file.errorString();
        return false;
    }
    // A plain static file server, as a CDN would be: sendfile, keep-alive, no compression.
    file.write(QStringLiteral(
                   "daemon off;\n"
                   "master_process off;\n"
                   "worker_processes 1;\n"
                   "pid %1/nginx.pid;\n"
                   "error_log %1/logs/error.log warn;\n"
                   "events { worker_connections 64; }\n"
                   "http {\n"
                   "  access_log off;\n"
                   "  sendfile on;\n"
                   "  tcp_nopush on;\n"
                   "  types { video/mp4 mp4; }\n"
                   "  client_body_temp_path %1/tmp;\n"
                   "  proxy_temp_path %1/tmp;\n"
                   "  fastcgi_temp_path %1/tmp;\n"
                   "  uwsgi_temp_path %1/tmp;\n"
                   "  scgi_temp_path %1/tmp;\n"
                   "  server {\n"
                   "    listen 127.0.0.1:%2;\n"
                   "    root %1/www;\n"
                   "  }\n"
                   "}\n")
                   .arg(m_dir->path())
                   .arg(m_port)
                   .toUtf8());
    file.close();
    QDir(m_dir->path()).mkpath(u"tmp"_s);
    std::fflush(stdout);
    const QByteArray program = nginx.toLocal8Bit();
    const QByteArray prefix = (m_dir->path() + u'/').toLocal8Bit();
    const QByteArray confPath = conf.toLocal8Bit();
    const pid_t pid = fork();
    if (pid == 0) {
        const int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, STDIN_FILENO);
            dup2(null, STDOUT_FILENO);
        }
        execl(program.constData(), program.constData(), "-p", prefix.constData(), "-c", confPath.constData(),
              static_cast<char *>(nullptr));
        _exit(127);
    }
    if (pid < 0) {
        m_error = u"fork failed"_s;
        return false;
    }
    m_pid = pid;
    // Ready when the port answers.
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < 10'000) {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, quint16(m_port));
        if (socket.waitForConnected(200))
            return true;
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            m_pid = 0;
            m_error = u"nginx exited at start (see its error log)"_s;
            return false;
        }
        QThread::msleep(50);
    }
    m_error = u"nginx did not start listening"_s;
    return false;
}

bool writeVideoFile(const QString &path, qint64 size)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    static const char header[] = "\x00\x00\x00\x18" "ftypmp42" "\x00\x00\x00\x00" "mp42isom";
    file.write(header, 24);
    qint64 written = 24;
    std::vector<quint64> block(1 << 17); // 1 MiB
    quint64 state = 0x9E3779B97F4A7C15ull;
    while (written < size) {
        for (quint64 &word : block) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            word = state;
        }
        const qint64 chunk = qMin<qint64>(size - written, qint64(block.size() * sizeof(quint64)));
        if (file.write(reinterpret_cast<const char *>(block.data()), chunk) != chunk)
            return false;
        written += chunk;
    }
    return file.flush();
}

QStringList fakeServerTaskIds(int count)
{
    QStringList ids;
    ids.reserve(count);
    for (int i = 0; i < count; ++i)
        ids << QStringLiteral("bench_%1").arg(i, 6, 10, QLatin1Char('0'));
    return ids;
}

Account benchAccount(const QUrl &apiBaseUrl, const QString &downloadDir, int intervalSeconds)
{
    Account account;
    account.id = QStringLiteral("bench");
    account.displayName = QStringLiteral("bench");
    account.providerName = QStringLiteral("mingyan");
    account.baseUrl = apiBaseUrl;
    account.apiKey = QStringLiteral("bench");
    account.intervalSeconds = intervalSeconds;
    account.downloadDir = downloadDir;
    return account;
}

} // namespace Bench
