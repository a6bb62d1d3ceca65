#include "COpenSSLShims.h"
#include <string.h>

/* Frees a value X509V3_get_d2i returned for `nid`, with the method that decoded it. */
static void free_extension_value(int nid, void *value)
{
    const X509V3_EXT_METHOD *method = X509V3_EXT_get_nid(nid);
    if (value == NULL || method == NULL)
        return;
    if (method->it != NULL)
        ASN1_item_free((ASN1_VALUE *)value, ASN1_ITEM_ptr(method->it));
    else if (method->ext_free != NULL)
        method->ext_free(value);
}

static void copy_string(const ASN1_STRING *string, unsigned char *out, int *length)
{
    int n = ASN1_STRING_length(string);
    if (n < 0 || n > 64) { *length = -2; return; }
    memcpy(out, ASN1_STRING_get0_data(string), (size_t)n);
    *length = n;
}

int mohur_summarize_extensions(const unsigned char *der, long length, mohur_extension_summary *out)
{
    /* The extensions OpenSSL decodes when it caches a certificate's flags; one that does not
       decode, or appears twice, makes it treat the certificate as invalid. */
    static const int cached[] = {
        NID_basic_constraints, NID_proxyCertInfo, NID_key_usage, NID_ext_key_usage, NID_netscape_cert_type,
        NID_subject_key_identifier, NID_authority_key_identifier, NID_subject_alt_name, NID_name_constraints,
        NID_crl_distribution_points, NID_sbgp_ipAddrBlock, NID_sbgp_autonomousSysNum,
    };
    const unsigned char *cursor = der;
    STACK_OF(X509_EXTENSION) *extensions = d2i_X509_EXTENSIONS(NULL, &cursor, length);
    int simple = extensions != NULL && cursor == der + length;
    memset(out, 0, sizeof *out);
    out->ski_length = -1;
    out->aki_length = -1;
    for (size_t k = 0; simple && k < sizeof cached / sizeof cached[0]; k++) {
        int nid = cached[k], critical = -1;
        void *value = X509V3_get_d2i(extensions, nid, &critical, NULL);
        if (value == NULL) {
            simple = critical == -1; /* absent is fine; present but unreadable, or repeated, is not */
            continue;
        }
        switch (nid) {
        case NID_basic_constraints: {
            BASIC_CONSTRAINTS *constraints = value;
            out->has_basic_constraints = 1;
            out->ca = constraints->ca ? 1 : 0;
            if (constraints->pathlen != NULL && ASN1_STRING_type(constraints->pathlen) == V_ASN1_NEG_INTEGER)
                simple = 0;
            break;
        }
        case NID_key_usage: {
            const ASN1_BIT_STRING *usage = value;
            int n = ASN1_STRING_length(usage);
            const unsigned char *bits = ASN1_STRING_get0_data(usage);
            out->has_key_usage = 1;
            out->key_usage = n > 0 ? bits[0] : 0;
            if (n > 1)
                out->key_usage |= (unsigned int)bits[1] << 8;
            if (out->key_usage == 0)
                simple = 0; /* newer OpenSSL releases reject an empty keyUsage: let the full parse decide */
            break;
        }
        case NID_subject_key_identifier:
            copy_string(value, out->ski, &out->ski_length);
            break;
        case NID_authority_key_identifier: {
            const AUTHORITY_KEYID *identifier = value;
            if (identifier->keyid != NULL)
                copy_string(identifier->keyid, out->aki, &out->aki_length);
            break;
        }
        case NID_crl_distribution_points: {
            /* A point named relative to the CRL issuer needs the issuer's name to resolve. */
            STACK_OF(DIST_POINT) *points = value;
            for (int i = 0; i < sk_DIST_POINT_num(points); i++) {
                DIST_POINT *point = sk_DIST_POINT_value(points, i);
                if (point->distpoint != NULL && point->distpoint->type == 1)
                    simple = 0;
            }
            break;
        }
        default:
            break;
        }
        free_extension_value(nid, value);
        if (out->ski_length == -2 || out->aki_length == -2)
            simple = 0;
    }
    sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
    return simple;
}
