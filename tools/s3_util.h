/* tools/s3_util.h — pure helpers of the S3 client: AWS %-encoding, canonical
 * query strings, a tiny XML reader for S3 responses, and MD5/SHA-256 (via
 * OpenSSL's EVP). No I/O except s3u_md5_file. Exposed for unit tests. */
#ifndef MLL_TOOLS_S3_UTIL_H
#define MLL_TOOLS_S3_UTIL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* s %-encoded the AWS way (keeps A-Za-z0-9-_.~, and '/' when keep_slash),
   via util.h's url_encode. Returns a malloc'd string, NULL when out of memory. */
char *s3u_encode(const char *s, int keep_slash);

/* Canonical query: pairs k[i]=v[i] (v may be NULL for "k="), sorted by the
   encoded key, values encoded. Returns malloc'd "a=1&b=" (no '?'). */
char *s3u_query(int n, const char *const *keys, const char *const *vals);

/* Finds the next <tag>…</tag> in [*p, end) and returns its decoded text
   (entities &amp; &lt; &gt; &quot; &apos; &#N; &#xN; decoded) malloc'd, and
   advances *p past it. Returns NULL if none. Self-closing <tag/> gives "". */
char *s3u_xml_next(const char **p, const char *end, const char *tag);

/* Like s3u_xml_next but returns the raw inner bounds of the element. */
int s3u_xml_elem(const char **p, const char *end, const char *tag, const char **in_b, const char **in_e);

/* Decodes XML entities of [b, e) into a malloc'd string. */
char *s3u_xml_decode(const char *b, const char *e);

/* Escapes text for an XML body (& < > " '). malloc'd. */
char *s3u_xml_escape(const char *s);

/* Copies an ETag without surrounding quotes (and &quot;) into out. */
void s3u_etag_clean(const char *in, char *out, size_t n);

/* Hex digests (out: 33 / 65 bytes) and base64 MD5 (25 bytes). */
void s3u_md5(const void *data, size_t len, unsigned char raw[16]);
void s3u_sha256_hex(const void *data, size_t len, char out[65]);
void s3u_hex(const unsigned char *raw, size_t n, char *out);
void s3u_base64(const unsigned char *raw, size_t n, char *out);

/* MD5 of bytes [off, off+len) of an open fd (pread). 0 or -1 (errno). */
int s3u_md5_fd(int fd, long long off, long long len, unsigned char raw[16]);

#ifdef __cplusplus
}
#endif
#endif
