/* tools/search_int.h — what search_lex.c hands to search_filter.c: the tokens of
 * a filter or order-by string as sqlparse 0.5/0.6 (MLflow's tokenizer) cuts
 * them, grouped the way sqlparse groups them before MLflow looks at them
 * (identifiers with their periods, parentheses, comparisons, MLflow's own IN,
 * NOT IN, IS NULL and IS NOT NULL joining). Nobody else uses this. */
#ifndef MLL_TOOLS_SEARCH_INT_H
#define MLL_TOOLS_SEARCH_INT_H

#include <stddef.h>

/* token types (sqlparse's ttype, reduced to what MLflow tells apart) */
enum {
    SQ_WS = 1,      /* white space, newlines */
    SQ_NAME,        /* words that are not keywords, `backquoted`, [bracketed], placeholders */
    SQ_SYMBOL,      /* "double quoted" (String.Symbol) */
    SQ_STRING,      /* 'single quoted' (String.Single) */
    SQ_INT,         /* Number.Integer */
    SQ_FLOAT,       /* Number.Float */
    SQ_HEX,         /* Number.Hexadecimal */
    SQ_KW,          /* a keyword: kw below */
    SQ_ORDER,       /* ASC, DESC (Keyword.Order) */
    SQ_CMP,         /* Operator.Comparison: a run of <>=!~, [NOT] LIKE/ILIKE/RLIKE, REGEXP */
    SQ_PUNCT,       /* ; : ( ) [ ] , . */
    SQ_OP,          /* other operators */
    SQ_WILDCARD,    /* * */
    SQ_OTHER        /* comments, characters sqlparse calls Error */
};

/* keywords MLflow's checks look at (others are SQ_KW_OTHER) */
enum { SQ_KW_OTHER = 0, SQ_KW_AND, SQ_KW_OR, SQ_KW_NOT, SQ_KW_IS, SQ_KW_NULL, SQ_KW_NOT_NULL, SQ_KW_IN };

/* what a grouped node is */
enum {
    SQ_N_TOKEN = 1, /* one token */
    SQ_N_IDENT,     /* Identifier: a name or "symbol", with .parts */
    SQ_N_PAREN,     /* Parenthesis, its brackets included */
    SQ_N_FUNC,      /* a name followed by a parenthesis */
    SQ_N_CMP,       /* a Comparison: parts below */
    SQ_N_JOINED     /* MLflow's joined IN / NOT IN / IS NULL / IS NOT NULL: parts below */
};

typedef struct sq_node {
    int kind;       /* SQ_N_* (TOKEN, IDENT, PAREN or FUNC inside a comparison) */
    int type;       /* SQ_N_TOKEN: the token type; else the type of the first token */
    int kw;         /* SQ_KW_* for SQ_KW tokens */
    size_t off, len;/* its text in the string parsed */
} sq_node;

typedef struct sq_item {
    sq_node n;      /* the whole item; for SQ_N_CMP/SQ_N_JOINED the span of all parts */
    sq_node part[3];/* comparison: left, operator, right; joined: identifier, "IN"/"NOT IN"/"IS NULL"... */
    int nparts;
    const char *joined_op; /* SQ_N_JOINED: "IN" is taken from the text; "NOT IN", "IS NULL", "IS NOT NULL" */
} sq_item;

typedef struct sq_stmt {
    sq_item *v; size_t n, cap;
    int statements; /* how many statements sqlparse would see (more than one is an error) */
    int blank;      /* the text holds white space only */
} sq_stmt;

/* Tokenizes and groups text. 0, or -1 when out of memory. */
int sq_parse(const char *text, size_t len, sq_stmt *out);
void sq_stmt_free(sq_stmt *s);

/* For the order-by: true when a token at [off, off+len) is ASC or DESC. */
int sq_is_order_word(const char *s, size_t n);

#endif
