#ifndef MOHUR_COPENSSL_SHIMS_H
#define MOHUR_COPENSSL_SHIMS_H
/* One-line wrappers for OpenSSL macros and const-casts that Swift cannot import. */
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

long mohur_BIO_get_mem_data(BIO *bio, char **data);
void mohur_OPENSSL_free(void *p);
int mohur_sk_X509_num(const STACK_OF(X509) *sk);
X509 *mohur_sk_X509_value(const STACK_OF(X509) *sk, int i);
STACK_OF(X509) *mohur_sk_X509_new_null(void);
int mohur_sk_X509_push(STACK_OF(X509) *sk, X509 *x);
void mohur_sk_X509_pop_free(STACK_OF(X509) *sk);
void mohur_sk_X509_free(STACK_OF(X509) *sk);
int mohur_sk_X509_CRL_num(const STACK_OF(X509_CRL) *sk);
X509_CRL *mohur_sk_X509_CRL_value(const STACK_OF(X509_CRL) *sk, int i);
void mohur_sk_X509_CRL_pop_free(STACK_OF(X509_CRL) *sk);
int mohur_sk_CMS_SignerInfo_num(STACK_OF(CMS_SignerInfo) *sk);
CMS_SignerInfo *mohur_sk_CMS_SignerInfo_value(STACK_OF(CMS_SignerInfo) *sk, int i);
int mohur_sk_X509_REVOKED_num(const STACK_OF(X509_REVOKED) *sk);
X509_REVOKED *mohur_sk_X509_REVOKED_value(const STACK_OF(X509_REVOKED) *sk, int i);
/* Sets the signature AlgorithmIdentifier inside TBSCertificate (RFC 5280 §4.1.2.3), which
   OpenSSL otherwise fills only while signing with a key it holds. */
int mohur_X509_set_tbs_sigalg(X509 *x, const unsigned char *der, long len);
unsigned long mohur_OPENSSL_version_number(void);
/* What filing a certificate needs from its extensions (DER SEQUENCE OF Extension), decoded by
   OpenSSL's own extension decoders. Returns 0 when the certificate is not simple: an extension
   OpenSSL caches does not decode or repeats, or another case only a full parse decides. */
typedef struct {
    int has_basic_constraints, ca, has_key_usage;
    unsigned int key_usage;
    unsigned char ski[64];
    int ski_length; /* -1: absent */
    unsigned char aki[64];
    int aki_length; /* -1: absent */
} mohur_extension_summary;
int mohur_summarize_extensions(const unsigned char *der, long length, mohur_extension_summary *out);
#endif
