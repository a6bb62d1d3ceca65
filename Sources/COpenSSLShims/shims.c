#include "COpenSSLShims.h"
#include <openssl/crypto.h>
#include <openssl/opensslv.h>

long mohur_BIO_get_mem_data(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }
void mohur_OPENSSL_free(void *p) { OPENSSL_free(p); }
int mohur_sk_X509_num(const STACK_OF(X509) *sk) { return sk_X509_num(sk); }
X509 *mohur_sk_X509_value(const STACK_OF(X509) *sk, int i) { return sk_X509_value(sk, i); }
STACK_OF(X509) *mohur_sk_X509_new_null(void) { return sk_X509_new_null(); }
int mohur_sk_X509_push(STACK_OF(X509) *sk, X509 *x) { return sk_X509_push(sk, x); }
void mohur_sk_X509_pop_free(STACK_OF(X509) *sk) { sk_X509_pop_free(sk, X509_free); }
void mohur_sk_X509_free(STACK_OF(X509) *sk) { sk_X509_free(sk); }
int mohur_sk_X509_CRL_num(const STACK_OF(X509_CRL) *sk) { return sk_X509_CRL_num(sk); }
X509_CRL *mohur_sk_X509_CRL_value(const STACK_OF(X509_CRL) *sk, int i) { return sk_X509_CRL_value(sk, i); }
void mohur_sk_X509_CRL_pop_free(STACK_OF(X509_CRL) *sk) { sk_X509_CRL_pop_free(sk, X509_CRL_free); }
int mohur_sk_CMS_SignerInfo_num(STACK_OF(CMS_SignerInfo) *sk) { return sk_CMS_SignerInfo_num(sk); }
CMS_SignerInfo *mohur_sk_CMS_SignerInfo_value(STACK_OF(CMS_SignerInfo) *sk, int i) { return sk_CMS_SignerInfo_value(sk, i); }
int mohur_sk_X509_REVOKED_num(const STACK_OF(X509_REVOKED) *sk) { return sk_X509_REVOKED_num(sk); }
X509_REVOKED *mohur_sk_X509_REVOKED_value(const STACK_OF(X509_REVOKED) *sk, int i) { return sk_X509_REVOKED_value(sk, i); }

int mohur_X509_set_tbs_sigalg(X509 *x, const unsigned char *der, long len) {
    const unsigned char *p = der;
    X509_ALGOR *alg = d2i_X509_ALGOR(NULL, &p, len);
    if (alg == NULL) return 0;
    int ok = X509_ALGOR_copy((X509_ALGOR *)X509_get0_tbs_sigalg(x), alg);
    X509_ALGOR_free(alg);
    return ok;
}
unsigned long mohur_OPENSSL_version_number(void) { return OPENSSL_VERSION_NUMBER; }
