/* Configuration: defaults, every key type, --set overrides, and each kind of
 * bad input refused with a message naming the file, line, key and what is
 * accepted; the formatted effective config parses back to itself. Serial. */
#include "samarl/comm.h"
#include "samarl/config.h"
#include "samarl/error.h"
#include "tap.h"

#define INI "t.ini" /* the name the in-memory texts pretend to come from */

static int has(const char *a, const char *b, const char *c)
{
    const char *m = samarl_errmsg();
    return (!a || strstr(m, a)) && (!b || strstr(m, b)) && (!c || strstr(m, c));
}

/* Parse text (and overrides) that must be refused with every phrase given. */
static void bad_text(const char *text, char *const *ov, int nov, const char *p1, const char *p2,
                     const char *p3, const char *what)
{
    config_t cfg;
    samarl_clearerr();
    int rc = config_parse(&cfg, INI, text, ov, nov);
    TAP_OK(rc == SAMARL_ERR && has(p1, p2, p3), "refuses %s [%s]", what, samarl_errmsg());
    config_free(&cfg);
}

/* One --set that must be refused. */
static void bad_set(const char *set, const char *p1, const char *p2, const char *what)
{
    char *ov[] = {(char *)set};
    bad_text(NULL, ov, 1, p1, p2, NULL, what);
}

static void defaults(void)
{
    config_t cfg;
    int rc = config_parse(&cfg, NULL, NULL, NULL, 0);
    int all_unset = 1;
    const char *names[][2] = {{"run", "seed"},         {"graph", "type"},   {"graph", "agents"},
                              {"graph", "path"},       {"graph", "seed"},   {"partition", "seed"},
                              {"consensus", "rounds"}, {"dual", "weights"}, {"halo", "method"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (config_is_set(&cfg, names[i][0], names[i][1])) all_unset = 0;
    TAP_OK(rc == SAMARL_OK && cfg.run.seed == 1 && cfg.graph.type == GRAPH_SMALLWORLD &&
               cfg.graph.agents == 1000 && cfg.graph.k == 3 && cfg.graph.radius == 0.0 &&
               cfg.graph.degree == 8.0 && cfg.graph.p == 0.1 && cfg.graph.rows == 0 &&
               cfg.graph.path && cfg.graph.path[0] == '\0' &&
               cfg.graph.format == GRAPH_FORMAT_METIS && cfg.graph.seed == 1 &&
               cfg.graph.allow_disconnected == 0 && cfg.partition.method == PARTITION_METIS &&
               cfg.partition.seed == 1 && cfg.partition.ufactor == 30 &&
               cfg.halo.method == HALO_P2P && cfg.dual.weights == WEIGHTS_METROPOLIS &&
               cfg.consensus.rounds == 200 && cfg.consensus.report_every == 10 &&
               cfg.consensus.init == INIT_UNIFORM && cfg.consensus.sigma_iters == 2000 &&
               cfg.consensus.sigma_tol == 1e-9 && cfg.path == NULL,
           "defaults without a file");
    TAP_OK(all_unset, "nothing counts as set by default");
    config_free(&cfg);

    rc = config_parse(&cfg, INI, "", NULL, 0);
    TAP_OK(rc == SAMARL_OK && cfg.graph.agents == 1000 && cfg.path && strcmp(cfg.path, INI) == 0,
           "an empty file means all defaults");
    config_free(&cfg);
    rc = config_parse(&cfg, INI, "# only comments\n; and more\n\n", NULL, 0);
    TAP_OK(rc == SAMARL_OK && cfg.graph.agents == 1000, "a file of comments means all defaults");
    config_free(&cfg);
    TAP_OK(strcmp(config_enum_name("graph", "type", GRAPH_RGG), "rgg") == 0 &&
               strcmp(config_enum_name("graph", "format", GRAPH_FORMAT_EDGELIST), "edgelist") ==
                   0 &&
               strcmp(config_enum_name("graph", "type", 99), "?") == 0,
           "config_enum_name");
}

static void key_types(void)
{
    config_t cfg;
    const char *text = "[run]\n"
                       "seed = 42\n"
                       "[graph]\n"
                       "type = rgg\n"
                       "agents = 5000\n"
                       "radius = 0.05\n"
                       "allow_disconnected = yes\n"
                       "path = some dir/file.graph\n"
                       "format = edgelist\n"
                       "[consensus]\n"
                       "sigma_tol = 1e-6\n"
                       "init = normal\n";
    int rc = config_parse(&cfg, INI, text, NULL, 0);
    TAP_OK(rc == SAMARL_OK && cfg.run.seed == 42 && cfg.graph.type == GRAPH_RGG &&
               cfg.graph.agents == 5000 && cfg.graph.radius == 0.05 &&
               cfg.graph.allow_disconnected == 1 &&
               strcmp(cfg.graph.path, "some dir/file.graph") == 0 &&
               cfg.graph.format == GRAPH_FORMAT_EDGELIST && cfg.consensus.sigma_tol == 1e-6 &&
               cfg.consensus.init == INIT_NORMAL,
           "every key type read from a file (u64, enum, int, real, bool, string) [%s]",
           rc ? samarl_errmsg() : "");
    TAP_OK(cfg.graph.seed == 42 && cfg.partition.seed == 42,
           "graph.seed and partition.seed follow run.seed");
    TAP_OK(config_is_set(&cfg, "graph", "agents") && config_is_set(&cfg, "run", "seed") &&
               !config_is_set(&cfg, "graph", "k") && !config_is_set(&cfg, "graph", "seed") &&
               cfg.origin[0] == 2,
           "config_is_set: set keys only; origin is the file line");
    config_free(&cfg);

    rc = config_parse(&cfg, INI, "[run]\nseed = 18446744073709551615\n[graph]\nseed = 0x10\n", NULL,
                      0);
    TAP_OK(rc == SAMARL_OK && cfg.run.seed == UINT64_MAX && cfg.graph.seed == 16 &&
               cfg.partition.seed == UINT64_MAX,
           "u64: the largest value, and hex with 0x [%s]", rc ? samarl_errmsg() : "");
    config_free(&cfg);
    rc = config_parse(&cfg, INI, "[run]\nseed = 010\n", NULL, 0);
    TAP_OK(rc == SAMARL_OK && cfg.run.seed == 10,
           "u64: a leading zero is decimal, not octal (%" PRIu64 ")", cfg.run.seed);
    config_free(&cfg);
    rc = config_parse(&cfg, INI, "[run]\nseed = 08\n", NULL, 0);
    TAP_OK(rc == SAMARL_OK && cfg.run.seed == 8, "u64: '08' is 8 [%s]", rc ? samarl_errmsg() : "");
    config_free(&cfg);
    bad_text("[run]\nseed = 18446744073709551616\n", NULL, 0, INI ":2:", "[run] seed",
             "[0, 18446744073709551615]", "u64 beyond 2^64-1");
    bad_text("[run]\nseed = -1\n", NULL, 0, INI ":2:", "got '-1'", "[0, 18446744073709551615]",
             "negative u64");

    /* Integers written as exact reals. */
    rc = config_parse(&cfg, INI, "[graph]\nagents = 1e6\nk = 2.0e1\n", NULL, 0);
    TAP_OK(rc == SAMARL_OK && cfg.graph.agents == 1000000 && cfg.graph.k == 20,
           "integers given as 1e6 and 2.0e1 [%s]", rc ? samarl_errmsg() : "");
    config_free(&cfg);
    bad_text("[graph]\nagents = 1.5\n", NULL, 0, INI ":2:", "an integer in [1, 2147483647]",
             "got '1.5'", "a fractional integer");
    bad_text("[graph]\nagents = 1e10\n", NULL, 0, INI ":2:", "[graph] agents", "[1, 2147483647]",
             "1e10 above the range");
    bad_text("[graph]\nagents = 99999999999999999999\n", NULL, 0, INI ":2:", "[1, 2147483647]",
             NULL, "an integer beyond int64");

    /* Booleans. */
    const char *yes[] = {"true", "yes", "on", "1", "TRUE", "Yes"};
    const char *no[] = {"false", "no", "off", "0", "FALSE", "Off"};
    int good = 1;
    for (int i = 0; i < 6; i++) {
        char t[128];
        snprintf(t, sizeof t, "[graph]\nallow_disconnected = %s\n", yes[i]);
        if (config_parse(&cfg, INI, t, NULL, 0) != SAMARL_OK || cfg.graph.allow_disconnected != 1)
            good = 0;
        config_free(&cfg);
        snprintf(t, sizeof t, "[graph]\nallow_disconnected = %s\n", no[i]);
        if (config_parse(&cfg, INI, t, NULL, 0) != SAMARL_OK || cfg.graph.allow_disconnected != 0)
            good = 0;
        config_free(&cfg);
    }
    TAP_OK(good, "bool spellings: true/yes/on/1 and false/no/off/0, any case");
    bad_text("[graph]\nallow_disconnected = maybe\n", NULL, 0,
             INI ":2:", "[graph] allow_disconnected", "expected true or false, got 'maybe'",
             "a bad bool");
}

static void overrides(void)
{
    config_t cfg;
    char *ov[] = {"graph.agents=5000", "graph.type = ring", "run.seed=7"};
    int rc = config_parse(&cfg, INI, "[graph]\nagents = 10\n", ov, 3);
    TAP_OK(rc == SAMARL_OK && cfg.graph.agents == 5000 && cfg.graph.type == GRAPH_RING &&
               cfg.run.seed == 7 && cfg.graph.seed == 7 && config_is_set(&cfg, "graph", "type") &&
               cfg.origin[0] == -1,
           "--set overrides the file; blanks around '=' are dropped [%s]",
           rc ? samarl_errmsg() : "");
    config_free(&cfg);
    char *ov2[] = {"graph.agents=5", "graph.agents=6"};
    rc = config_parse(&cfg, NULL, NULL, ov2, 2);
    TAP_OK(rc == SAMARL_OK && cfg.graph.agents == 6, "the last --set of a key wins");
    config_free(&cfg);

    bad_set("grpah.agents=5", "--set 'grpah.agents=5'",
            "unknown section [grpah] (did you mean [graph]?)", "--set with an unknown section");
    bad_set("zzzzzz.agents=5", "unknown section [zzzzzz]", "[consensus]",
            "--set with an unknown section far from any (lists them)");
    bad_set("graph.agent=5", "unknown key 'agent' in section [graph]",
            "did you mean [graph] agents?", "--set with a misspelt key (did you mean)");
    bad_set("run.agents=5", "unknown key 'agents' in section [run]", "did you mean [graph] agents?",
            "--set with a key of another section");
    bad_set("graph.qqqqqqqqqq=5", "unknown key 'qqqqqqqqqq'", "keys of [graph]: type agents",
            "--set with a key far from any (lists the section's keys)");
    bad_set("graph.agents", "--set 'graph.agents'", "expected section.key=value",
            "--set without '='");
    bad_set("agents=5", "--set 'agents=5'", "expected section.key=value", "--set without '.'");
    bad_set("graph.=5", "expected section.key=value", NULL, "--set with an empty key");
    bad_set(".agents=5", "expected section.key=value", NULL, "--set with an empty section");
    bad_set("graph.agents=0", "--set graph.agents",
            "expected an integer in [1, 2147483647], got '0'", "--set with a value out of range");
    bad_set("graph.type=hex", "--set graph.type",
            "one of ring|grid2d|rgg|er|smallworld|complete|file", "--set with a bad enum");
}

static void file_errors(void)
{
    bad_text("[graphs]\nagents = 5\n", NULL, 0, INI ":1:", "unknown section [graphs]",
             "did you mean [graph]?", "an unknown section");
    bad_text("[run]\nseed = 1\n[bogus]\n# nothing here\n", NULL, 0,
             INI ":3:", "unknown section [bogus]", "[run] [graph]",
             "an unknown section without keys");
    bad_text("[Graph]\n", NULL, 0, INI ":1:", "unknown section [Graph]", "did you mean [graph]?",
             "a section name in the wrong case");
    bad_text("[graph] agents = 5\n", NULL, 0, INI ":1:", "unexpected text 'agents = 5'", "[graph]",
             "a key on the section header's line");
    bad_text("[graph]\ntype = ring\nagent = 5\n", NULL, 0,
             INI ":3:", "unknown key 'agent' in section [graph]", "did you mean [graph] agents?",
             "an unknown key (file:line, did you mean)");
    bad_text("[graph]\nAgents = 5\n", NULL, 0, INI ":2:", "unknown key 'Agents'",
             "did you mean [graph] agents?", "a key in the wrong case");
    bad_text("[graph]\nagents = 5\n\n; again\nagents = 6\n", NULL, 0,
             INI ":5:", "[graph] agents is set twice", "first at line 2", "a duplicate key");
    bad_text("[graph]\nagents = 5\n[run]\nseed = 2\n[graph]\nagents = 6\n", NULL, 0,
             INI ":6:", "set twice", "first at line 2", "a duplicate key in a repeated section");
    bad_text("[graph]\nagents = 0\n", NULL, 0, INI ":2:", "[graph] agents",
             "an integer in [1, 2147483647], got '0'", "an integer below its range");
    bad_text("[graph]\np = 1.5\n", NULL, 0, INI ":2:", "[graph] p", "a number in [0, 1], got '1.5'",
             "a real above its range");
    bad_text("[graph]\ndegree = 0\n", NULL, 0, INI ":2:", "(0, 1000000000]", "got '0'",
             "a real at an open bound");
    bad_text("[consensus]\nsigma_tol = 1\n", NULL, 0, INI ":2:", "(0, 1)", NULL,
             "a real at an open upper bound");
    bad_text("[partition]\nufactor = 1001\n", NULL, 0, INI ":2:", "[1, 1000]", "got '1001'",
             "an integer above its range");
    bad_text("[graph]\nagents = lots\n", NULL, 0, INI ":2:", "expected an integer", "got 'lots'",
             "a non-numeric integer");
    bad_text("[graph]\nradius = wide\n", NULL, 0, INI ":2:", "expected a number in [0, 1.5]",
             "got 'wide'", "a non-numeric real");
    bad_text("[graph]\nradius = nan\n", NULL, 0, INI ":2:", "got 'nan'", NULL, "a NaN real");
    bad_text("[graph]\nagents =\n", NULL, 0, INI ":2:", "got ''", NULL, "an empty integer");
    bad_text("[graph]\ntype = hexagon\n", NULL, 0, INI ":2:", "[graph] type",
             "one of ring|grid2d|rgg|er|smallworld|complete|file, got 'hexagon'",
             "a bad enum (lists the choices)");
    bad_text("[graph]\ntype = RGG\n", NULL, 0, INI ":2:", "got 'RGG'", NULL,
             "an enum in the wrong case");
    bad_text("# header comment\nagents = 5\n[graph]\n", NULL, 0,
             INI ":2:", "'agents' appears before any [section]", NULL, "a key before any section");
    bad_text("[graph]\nagents 5\n", NULL, 0, INI ":2:", "syntax error", "'key = value'",
             "a line without '='");
    bad_text("[graph\nagents = 5\n", NULL, 0, INI ":1:", "syntax error", NULL,
             "a section header without ']'");
    bad_text("[graph]\nagents = 5\ntype = nope\nk = 0\n", NULL, 0, INI ":3:", "got 'nope'", NULL,
             "two bad lines: the first is reported");
    bad_text("[graph]\ntype = file\n", NULL, 0, "[graph] path is required when graph.type = file",
             "set at " INI ":2", NULL, "graph.type = file without graph.path");
    bad_text("[graph]\ntype = file\npath =\n", NULL, 0, "[graph] path is required", NULL, NULL,
             "graph.type = file with an empty graph.path");
    char *ov[] = {"partition.method=file"};
    bad_text(NULL, ov, 1, "[partition] file is required when partition.method = file",
             "set at --set partition.method", NULL, "partition.method = file without a file");

    /* Line length: inih's buffer is fixed. A long key = value line is
     * fine (the value is kept aside); any other long line is refused, not cut. */
    char text[600];
    int n = snprintf(text, sizeof text, "[graph]\n");
    memset(text + n, 'a', 400);
    snprintf(text + n + 400, sizeof text - (size_t)(n + 400), "\n");
    bad_text(text, NULL, 0, INI ":2:", "line too long", "400 characters",
             "a 400-character line that is not key = value");
}

/* String values must read back as written, or be refused up front. */
static void strings(void)
{
    bad_set("graph.path=/tmp/a ;b.graph", "--set graph.path", "without ';' or '#'",
            "a string with ' ;' (it would read back cut)");
    bad_set("graph.path=/tmp/a\t#b", "--set graph.path", "without ';' or '#'",
            "a string with a blank and '#'");
    bad_set("graph.path=#b", "--set graph.path", "at its start", "a string starting with '#'");
    bad_set("graph.path=a\nb", "--set graph.path", "control characters", "a string with a newline");

    /* The longest path that fits: "path = " + 191 characters = 198. */
    char set[300], text[300], cfgname[300];
    char longv[200];
    memset(longv, 'd', 191);
    longv[0] = '/';
    longv[191] = '\0';
    snprintf(set, sizeof set, "graph.path=%s", longv);
    char *ov[] = {set};
    config_t a, b;
    int rc = config_parse(&a, NULL, NULL, ov, 1);
    TAP_OK(rc == SAMARL_OK && strlen(a.graph.path) == 191, "a 191-character path is accepted [%s]",
           rc ? samarl_errmsg() : "");
    /* Annotated with a long config name, its line exceeds the limit only in
     * the comment, which may be cut. */
    memset(cfgname, 'c', 150);
    snprintf(cfgname + 150, sizeof cfgname - 150, ".ini");
    config_free(&a);
    snprintf(text, sizeof text, "[graph]\npath = %s\n", longv);
    rc = config_parse(&a, cfgname, text, NULL, 0);
    char *an = rc == SAMARL_OK ? config_format(&a, 1) : NULL;
    int rb = an ? config_parse(&b, "back.ini", an, NULL, 0) : SAMARL_ERR;
    TAP_OK(rc == SAMARL_OK && rb == SAMARL_OK && strcmp(b.graph.path, longv) == 0,
           "it round-trips through the annotated form, whose long comment is cut [%s]",
           rc || rb ? samarl_errmsg() : "");
    free(an);
    config_free(&a);
    if (rb == SAMARL_OK) config_free(&b);
    /* Deep cluster paths: 1000 characters through a file and --set, and
     * back through the effective config. */
    char *deep = malloc(1001), *dtext = malloc(1100), *dset = malloc(1100);
    memset(deep, 'p', 1000);
    deep[0] = '/';
    deep[1000] = '\0';
    snprintf(dtext, 1100, "[graph]\ntype = file\npath = %s   ; deep\n[run]\nseed = 3\n", deep);
    rc = config_parse(&a, "deep.ini", dtext, NULL, 0);
    an = rc == SAMARL_OK ? config_format(&a, 1) : NULL;
    rb = an ? config_parse(&b, "back.ini", an, NULL, 0) : SAMARL_ERR;
    TAP_OK(rc == SAMARL_OK && rb == SAMARL_OK && strcmp(a.graph.path, deep) == 0 &&
               strcmp(b.graph.path, deep) == 0 && b.run.seed == 3 && b.graph.type == GRAPH_FILE,
           "a 1000-character path in a file is read whole and round-trips [%s]",
           rc || rb ? samarl_errmsg() : "");
    free(an);
    if (rc == SAMARL_OK) config_free(&a);
    if (rb == SAMARL_OK) config_free(&b);
    /* Found by fuzzing: a value of the file's own that starts with the byte
     * marking a set-aside long value was taken for one, an index into those
     * values (a NULL or stray read, or another key's path). */
    bad_text("[run]\nseed = \0015\n", NULL, 0, INI ":2:", "[run] seed", NULL, /* \001, '5' */
             "a value starting with byte 0x01");
    snprintf(dtext, 1100, "[graph]\npath = %s\n[env]\nnodes = \0010\n", deep);
    bad_text(dtext, NULL, 0, INI ":4:", "[env] nodes", "control characters",
             "byte 0x01 after a long value (it read as that value)");
    snprintf(dset, 1100, "graph.path=%s", deep);
    char *dov[] = {dset};
    rc = config_parse(&a, NULL, NULL, dov, 1);
    TAP_OK(rc == SAMARL_OK && strcmp(a.graph.path, deep) == 0,
           "a 1000-character path through --set");
    if (rc == SAMARL_OK) config_free(&a);
    free(deep);
    free(dtext);
    free(dset);
    char *huge = malloc(4200);
    int hn = snprintf(huge, 4200, "graph.path=/");
    memset(huge + hn, 'q', 4096);
    huge[hn + 4096] = '\0';
    bad_set(huge, "--set graph.path", "at most 4095 characters", "a 4097-character path");
    free(huge);
    /* The longest accepted path survives the dump that every output records. */
    char *big = malloc(4200);
    int bn = snprintf(big, 4200, "graph.path=/");
    memset(big + bn, 'p', 4094);
    big[bn + 4094] = '\0';
    char *bov[] = {big};
    rc = config_parse(&a, NULL, NULL, bov, 1);
    char *dumped = rc == SAMARL_OK ? config_format(&a, 0) : NULL;
    config_t back;
    int rc2 = dumped ? config_parse(&back, NULL, dumped, NULL, 0) : SAMARL_ERR;
    TAP_OK(rc == SAMARL_OK && rc2 == SAMARL_OK && strlen(back.graph.path) == 4095 &&
               strcmp(back.graph.path, a.graph.path) == 0,
           "a 4095-character path is dumped whole and reads back [%s]", rc2 ? samarl_errmsg() : "");
    if (rc2 == SAMARL_OK) config_free(&back);
    if (rc == SAMARL_OK) config_free(&a);
    free(dumped);
    free(big);

    /* Long comments are not long lines. */
    char lc[700];
    int n = snprintf(lc, sizeof lc, "; ");
    memset(lc + n, 'x', 300);
    n += 300;
    n += snprintf(lc + n, sizeof lc - (size_t)n, "\n[graph]\nagents = 9 # ");
    memset(lc + n, 'y', 250);
    snprintf(lc + n + 250, sizeof lc - (size_t)(n + 250), "\n");
    rc = config_parse(&a, INI, lc, NULL, 0);
    TAP_OK(rc == SAMARL_OK && a.graph.agents == 9,
           "over-long comment lines and inline comments are accepted [%s]",
           rc ? samarl_errmsg() : "");
    config_free(&a);

    /* A stride beyond the most agents overflowed N + M - 1 in samarl run,
     * which then recorded no agent at all. */
    char *every[] = {"output.agents=every:2147483647"};
    rc = config_parse(&a, NULL, NULL, every, 1);
    TAP_OK(rc == SAMARL_OK && a.output.agent_step == 2147483647,
           "output.agents = every:2147483647 keeps gid 0 only [%s]", rc ? samarl_errmsg() : "");
    config_free(&a);
    bad_set("output.agents=every:2147483648", "every:M", "[1, 2147483647]",
            "output.agents every:M beyond the most agents");
    bad_set("output.agents=every:99999999999999999999", "every:M", "[1, 2147483647]",
            "output.agents every:M beyond int64");
}

static void syntax_accepted(void)
{
    config_t cfg;
    const char *text = "\xEF\xBB\xBF# a BOM, comments of both kinds\r\n"
                       "; full-line semicolon comment\r\n"
                       "[ graph ]\r\n"
                       "   agents = 5 # inline '#' after a blank\r\n"
                       "k = 2 ; inline ';' after a blank\r\n"
                       "path = a#b;c\r\n"
                       "[run] ; a comment after a section header\r\n"
                       "seed: 9\r\n";
    int rc = config_parse(&cfg, INI, text, NULL, 0);
    TAP_OK(rc == SAMARL_OK && cfg.graph.agents == 5 && cfg.graph.k == 2 && cfg.run.seed == 9 &&
               strcmp(cfg.graph.path, "a#b;c") == 0,
           "BOM, CRLF, '[ graph ]', indented keys, '#'/';' comments, 'key: value' [%s]",
           rc ? samarl_errmsg() : cfg.graph.path);
    TAP_OK(cfg.origin[0] == 8, "line numbers count every line (run.seed on line 8: %d)",
           cfg.origin[0]);
    config_free(&cfg);
}

/* File paths in an INI file are relative to its folder (config_parse_ini);
 * overrides, absolute paths, files in the working directory and stored
 * configs (config_parse) keep what was written. */
static void ini_relative_paths(void)
{
    const char *text = "[graph]\ntype = file\npath = g.graph\n[partition]\nfile = ../p.h5\n"
                       "[env]\nnodes = /abs/n.csv\nprofiles = data/p.csv\nlevels = 0,1\n";
    char *ov[] = {"env.nodes=rel/n.csv"};
    config_t a, b, c, d;
    int ra = config_parse_ini(&a, "cfgs/sub/x.ini", text, NULL, 0);
    TAP_OK(ra == SAMARL_OK && strcmp(a.graph.path, "cfgs/sub/g.graph") == 0 &&
               strcmp(a.partition.file, "cfgs/sub/../p.h5") == 0 &&
               strcmp(a.env.nodes, "/abs/n.csv") == 0 &&
               strcmp(a.env.profiles, "cfgs/sub/data/p.csv") == 0 &&
               strcmp(a.env.levels, "0,1") == 0,
           "relative file paths in dir/x.ini resolve against dir, absolute ones and other strings "
           "stay (%s)",
           ra ? samarl_errmsg() : a.graph.path);
    int rb = config_parse_ini(&b, "/x.ini", text, ov, 1);
    TAP_OK(rb == SAMARL_OK && strcmp(b.graph.path, "/g.graph") == 0 &&
               strcmp(b.env.nodes, "rel/n.csv") == 0,
           "an INI in / resolves to /NAME; a --set path stays relative to the working directory");
    int rc = config_parse_ini(&c, "x.ini", text, NULL, 0);
    int rd = config_parse(&d, "cfgs/sub/x.ini", text, NULL, 0);
    TAP_OK(rc == SAMARL_OK && strcmp(c.graph.path, "g.graph") == 0 && rd == SAMARL_OK &&
               strcmp(d.graph.path, "g.graph") == 0,
           "an INI in the working directory and a stored config keep paths as written");
    config_free(&a);
    config_free(&b);
    config_free(&c);
    config_free(&d);
}

static void round_trip(void)
{
    config_t a, b, c;
    char *ov[] = {"graph.agents=777", "consensus.sigma_tol=3.3e-7"};
    int rc =
        config_parse(&a, INI,
                     "[run]\nseed = 99\n[graph]\ntype = file\npath = x/y.graph\ndegree = 6.25\n"
                     "allow_disconnected = on\n[dual]\nweights = maxdegree\n[halo]\n"
                     "method = neighbor\n",
                     ov, 2);
    char *fa = rc == SAMARL_OK ? config_format(&a, 0) : NULL;
    int rb = fa ? config_parse(&b, "formatted.ini", fa, NULL, 0) : SAMARL_ERR;
    char *fb = rb == SAMARL_OK ? config_format(&b, 0) : NULL;
    TAP_OK(fa && fb && strcmp(fa, fb) == 0 && b.graph.agents == 777 &&
               b.consensus.sigma_tol == 3.3e-7 && b.graph.degree == 6.25 &&
               strcmp(b.graph.path, "x/y.graph") == 0 && b.halo.method == HALO_NEIGHBOR,
           "config_format output parses back to the same text [%s]", rb ? samarl_errmsg() : "");
    TAP_OK(fa && strstr(fa, "[graph]\n") && strstr(fa, "agents = 777\n") &&
               strstr(fa, "weights = maxdegree\n") && strstr(fa, "seed = 99\n"),
           "config_format writes 'key = value' under [section]");

    char *an = rc == SAMARL_OK ? config_format(&a, 1) : NULL;
    int rn = an ? config_parse(&c, "annotated.ini", an, NULL, 0) : SAMARL_ERR;
    char *fc = rn == SAMARL_OK ? config_format(&c, 0) : NULL;
    TAP_OK(an && fc && fa && strcmp(fa, fc) == 0, "the annotated form parses back too [%s]",
           rn ? samarl_errmsg() : "");
    TAP_OK(an && strstr(an, "; " INI ":2") && strstr(an, "; --set graph.agents") &&
               strstr(an, "; default") && strstr(an, "; = run.seed"),
           "annotations say where each value came from");
    free(fa);
    free(fb);
    free(an);
    free(fc);
    config_free(&a);
    if (rb == SAMARL_OK) config_free(&b);
    if (rn == SAMARL_OK) config_free(&c);

    /* Defaults round-trip as well (reals like 1e-09 included). */
    rc = config_parse(&a, NULL, NULL, NULL, 0);
    fa = config_format(&a, 0);
    rb = config_parse(&b, "d.ini", fa, NULL, 0);
    fb = rb == SAMARL_OK ? config_format(&b, 0) : NULL;
    TAP_OK(rc == SAMARL_OK && fb && strcmp(fa, fb) == 0, "the defaults round-trip [%s]",
           rb ? samarl_errmsg() : "");
    free(fa);
    free(fb);
    config_free(&a);
    config_free(&b);
}

static void files(void)
{
    char *text = NULL;
    config_t cfg;
    samarl_clearerr();
    int rc = config_read_file("tests/data/no-such.ini", &text);
    TAP_OK(rc == SAMARL_ERR && text == NULL &&
               has("cannot open config file", "no-such.ini", "No such file"),
           "config_read_file on a missing file [%s]", samarl_errmsg());

    const char *p = "tests/data/good/example.ini";
    rc = config_read_file(p, &text);
    int rp = rc == SAMARL_OK ? config_parse(&cfg, p, text, NULL, 0) : SAMARL_ERR;
    TAP_OK(rp == SAMARL_OK && cfg.run.seed == 42 && cfg.graph.type == GRAPH_RGG &&
               cfg.graph.agents == 2500 && cfg.graph.radius == 0.05 &&
               cfg.graph.allow_disconnected && cfg.consensus.init == INIT_NORMAL &&
               cfg.consensus.sigma_tol == 1e-6 && cfg.origin[0] == 5,
           "example.ini read and parsed [%s]", rp ? samarl_errmsg() : "");
    free(text);
    text = NULL;
    config_free(&cfg);

    static const struct {
        const char *file, *p1, *p2;
    } bad[] = {
        {"bad/unknown_section.ini", "unknown_section.ini:4:", "unknown section [bogus]"},
        {"bad/unknown_key.ini",
         "unknown_key.ini:3:", "unknown key 'neighbours' in section [graph]"},
        {"bad/dup_key.ini", "dup_key.ini:6:", "[graph] agents is set twice (first at line 2)"},
        {"bad/range.ini", "range.ini:3:", "[graph] agents: expected an integer in [1, 2147483647]"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "tests/data/%s", bad[i].file);
        samarl_clearerr();
        rc = config_read_file(path, &text);
        rp = rc == SAMARL_OK ? config_parse(&cfg, path, text, NULL, 0) : SAMARL_OK;
        TAP_OK(rp == SAMARL_ERR && has(path, bad[i].p1, bad[i].p2), "file %s refused [%s]",
               bad[i].file, samarl_errmsg());
        free(text);
        text = NULL;
        config_free(&cfg);
    }
    samarl_clearerr();
    rc = config_read_file("tests/data/bad/nul.ini", &text);
    TAP_OK(rc == SAMARL_ERR && text == NULL && has("nul.ini", "NUL bytes", NULL),
           "a file with a NUL byte is refused [%s]", samarl_errmsg());
}

/* A module's own section: parsed, range-checked, dumped, recorded and freed
 * like the built-in keys, in the module's own struct; and the key table has
 * no fixed size (two hundred more keys than the old limit of 128). */
typedef struct toy_section {
    int64_t steps;
    double rate;
    char *label;
    int mode;
    double many[200];
} toy_section_t;

/* Before any configuration is made, as the programs do. */
static void register_toy_section(void)
{
    static config_key_t k[4 + 200];
    static char names[200][16];
    k[0] = (config_key_t){"toymod", "steps", CONFIG_INT, offsetof(toy_section_t, steps),
                          "5",      1,       100,        0,
                          0,        NULL,    "steps"};
    k[1] = (config_key_t){
        "toymod", "rate", CONFIG_REAL,       offsetof(toy_section_t, rate), "0.5", 0, 1, 1,
        0,        NULL,   "a rate in (0, 1]"};
    k[2] = (config_key_t){"toymod", "label", CONFIG_STR, offsetof(toy_section_t, label),
                          "abc",    0,       0,          0,
                          0,        NULL,    "a label"};
    k[3] =
        (config_key_t){"toymod", "mode",  CONFIG_ENUM, offsetof(toy_section_t, mode), "b", 0, 0, 0,
                       0,        "a|b|c", "a mode"};
    for (int i = 0; i < 200; i++) {
        snprintf(names[i], sizeof names[i], "k%03d", i);
        k[4 + i] = (config_key_t){"toymod",
                                  names[i],
                                  CONFIG_REAL,
                                  offsetof(toy_section_t, many) + sizeof(double) * (size_t)i,
                                  "1",
                                  0,
                                  1e9,
                                  0,
                                  0,
                                  NULL,
                                  "one of many"};
    }
    static const config_section_t sec = {"toymod", k, 204, sizeof(toy_section_t)};
    config_register_section(&sec);
}

static void registered_sections(void)
{
    config_t cfg;
    int rc = config_parse(&cfg, NULL, NULL, NULL, 0);
    const toy_section_t *v = config_section_values(&cfg, "toymod");
    TAP_OK(rc == SAMARL_OK && v && v->steps == 5 && v->rate == 0.5 &&
               strcmp(v->label, "abc") == 0 && v->mode == 1 && v->many[199] == 1.0 &&
               cfg.graph.agents == 1000,
           "a registered section has its defaults, beside the built-in keys");
    TAP_OK(config_section_values(&cfg, "nope") == NULL &&
               config_section_values(&cfg, "run") == NULL,
           "only registered sections have values");
    config_free(&cfg);
    char *ov[] = {"toymod.steps=7", "toymod.label=xyz", "toymod.k150=3"};
    rc = config_parse(&cfg, NULL, "[toymod]\nrate = 0.25\nmode = c\n", ov, 3);
    v = config_section_values(&cfg, "toymod");
    TAP_OK(rc == SAMARL_OK && v->steps == 7 && v->rate == 0.25 && strcmp(v->label, "xyz") == 0 &&
               v->mode == 2 && v->many[150] == 3.0 && config_is_set(&cfg, "toymod", "k150") &&
               !config_is_set(&cfg, "toymod", "k151"),
           "its keys come from a file and from --set, and know they were set [%s]",
           rc ? samarl_errmsg() : "");
    char *text = config_format(&cfg, 0);
    TAP_OK(strstr(text, "[toymod]\nsteps = 7\nrate = 0.25\nlabel = xyz\nmode = c\n") != NULL,
           "the dump holds the section, in its own order");
    config_t again;
    rc = config_parse(&again, NULL, text, NULL, 0);
    v = config_section_values(&again, "toymod");
    TAP_OK(rc == SAMARL_OK && v->steps == 7 && v->many[150] == 3.0 && strcmp(v->label, "xyz") == 0,
           "the dump reads back to the same values");
    free(text);
    config_free(&again);
    config_free(&cfg);
    bad_set("toymod.steps=0", "toymod", "steps", "a registered key out of its range");
    bad_set("toymod.rate=0", "rate", "(0, 1]", "an open bound of a registered key");
    bad_set("toymod.mode=d", "a|b|c", "mode", "a registered enum's unknown value");
    bad_set("toymod.stepz=1", "stepz", "steps", "an unknown key in a registered section");
}

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    register_toy_section();
    defaults();
    key_types();
    overrides();
    file_errors();
    strings();
    syntax_accepted();
    round_trip();
    ini_relative_paths();
    files();
    registered_sections();
    int rc = tap_done();
    comm_finalize();
    return rc;
}
