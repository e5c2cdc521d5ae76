/* libFuzzer harness for the configuration (config_parse: INI text through
 * libinih, then --set overrides, then validation). The input is the INI
 * text, then NUL-separated overrides. Whatever is accepted must write out
 * (config_format, plain and annotated) as text that parses back to the same
 * configuration: the recorded config of a run must not lie about what ran. */
#include "fuzz.h"
#include "samarl/config.h"

#define MAX_OVERRIDES 8

/* Parse text (no overrides) and return its plain dump; the parse must succeed. */
static char *reparse(const char *text)
{
    config_t cfg;
    FUZZ_CHECK(config_parse(&cfg, "dump.ini", text, NULL, 0) == SAMARL_OK);
    char *out = config_format(&cfg, 0);
    config_free(&cfg);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy with a NUL after the last part. */
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *ov[MAX_OVERRIDES];
    int n_ov = 0;
    for (char *p = buf + strlen(buf); p < buf + size && n_ov < MAX_OVERRIDES; p += strlen(p))
        ov[n_ov++] = ++p;

    config_t cfg;
    samarl_clearerr();
    if (config_parse(&cfg, "fuzz.ini", buf, ov, n_ov) == SAMARL_OK) {
        /* samarl run computes N + M - 1 with the stride M */
        FUZZ_CHECK(cfg.output.agent_step >= 0 && cfg.output.agent_step <= 2147483647);
        char *plain = config_format(&cfg, 0), *annotated = config_format(&cfg, 1);
        char *back = reparse(plain), *back_annotated = reparse(annotated);
        FUZZ_CHECK(strcmp(plain, back) == 0);
        FUZZ_CHECK(strcmp(plain, back_annotated) == 0);
        free(plain);
        free(annotated);
        free(back);
        free(back_annotated);
    } else {
        FUZZ_CHECK(samarl_errmsg()[0] != '\0');
    }
    config_free(&cfg);
    free(buf);
    return 0;
}
