#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <memory>

struct evp_md_ctx_st;

// Streaming SHA-256 through OpenSSL's libcrypto, which uses the CPU's SHA extensions or AVX2.
// Qt 6.4's QCryptographicHash is portable C: about 40 MiB/s on the benchmark machine, slower
// than the loopback download it hashes, so it capped every download's throughput (bench/).
class Sha256
{
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256 &) = delete;
    Sha256 &operator=(const Sha256 &) = delete;

    void reset();
    void addData(QByteArrayView data);
    // The digest of everything added since the last reset (32 raw bytes); more may be added after.
    QByteArray result() const;

private:
    struct ContextDeleter
    {
        void operator()(evp_md_ctx_st *context) const;
    };
    std::unique_ptr<evp_md_ctx_st, ContextDeleter> m_context;
};
