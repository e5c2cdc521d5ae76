/* Phase timers with min/avg/max across ranks (see timer.h). */
#include "samarl/timer.h"

#include <sys/resource.h>

#include "samarl/comm.h"
#include "samarl/error.h"

const char *const timer_names[TIMER_COUNT] = {
    [TIMER_TOTAL] = "total",
    [TIMER_GRAPH] = "graph",
    [TIMER_PARTITION] = "partition",
    [TIMER_DISTRIBUTE] = "distribute",
    [TIMER_SIGMA] = "sigma",
    [TIMER_CONSENSUS] = "consensus",
    [TIMER_MIX] = "mix",
    [TIMER_HALO] = "halo",
    [TIMER_REDUCE] = "reduce",
    [TIMER_IO] = "io",
    [TIMER_COLLECT] = "collect",
    [TIMER_UPDATE] = "update",
    [TIMER_EVAL] = "eval",
    [TIMER_POLICY] = "policy",
    [TIMER_ENV] = "env",
    [TIMER_DUAL] = "dual",
};

static struct {
    double start, total;
    int64_t calls;
    int running;
} timers[TIMER_COUNT];

void timer_start(timer_id_t t)
{
    SAMARL_ASSERT(!timers[t].running);
    timers[t].running = 1;
    timers[t].start = comm_wtime();
}

void timer_stop(timer_id_t t)
{
    SAMARL_ASSERT(timers[t].running);
    timers[t].total += comm_wtime() - timers[t].start;
    timers[t].calls++;
    timers[t].running = 0;
}

double timer_seconds(timer_id_t t)
{
    return timers[t].total;
}

void timer_reset(timer_id_t t)
{
    timers[t].total = 0.0;
    timers[t].calls = 0;
}

static mem_stats_t mem;
static int64_t setup_hwm = -1; /* this rank's peak RSS over the set-up, bytes */

mem_stats_t timer_memory(void)
{
    return mem;
}

/* This process's peak resident set (VmHWM) in bytes, 0 where unknown. */
static int64_t hwm_bytes(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return 0;
    char line[256];
    long long kb = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %lld kB", &kb) == 1) break;
    fclose(f);
    return (int64_t)kb * 1024;
}

void timer_memory_mark_setup(void)
{
    setup_hwm = hwm_bytes();
    /* Linux: writing 5 to clear_refs resets VmHWM, so what is read at the
     * end is the peak of the phase after the set-up alone. */
    FILE *f = fopen("/proc/self/clear_refs", "w");
    int reset = f && fputs("5", f) >= 0;
    if (f && fclose(f) != 0) reset = 0;
    if (!reset || setup_hwm == 0) setup_hwm = -1;
}

void timer_reduce(timer_stats_t out[TIMER_COUNT])
{
    double mn[TIMER_COUNT], sum[TIMER_COUNT];
    for (int t = 0; t < TIMER_COUNT; t++) mn[t] = sum[t] = timers[t].total;
    comm_allreduce_double(mn, TIMER_COUNT, COMM_MIN);
    comm_allreduce_double(sum, TIMER_COUNT, COMM_SUM);
    for (int t = 0; t < TIMER_COUNT; t++) {
        out[t].min = mn[t];
        out[t].avg = sum[t] / comm_size();
        comm_maxloc_double(timers[t].total, &out[t].max, &out[t].max_rank);
    }
    struct rusage ru;
    int64_t rss = getrusage(RUSAGE_SELF, &ru) == 0 ? (int64_t)ru.ru_maxrss * 1024 : 0;
    int64_t v[6] = {0, 0, 0, 0, 0, 0}; /* whole, set-up, after: max and sum of each */
    int64_t have = setup_hwm >= 0;
    comm_allreduce_int64(&have, 1, COMM_MIN);
    if (have) {
        const int64_t run = hwm_bytes();
        v[2] = v[3] = setup_hwm;
        v[4] = v[5] = run;
        if (run > rss) rss = run;
        if (setup_hwm > rss) rss = setup_hwm;
    }
    v[0] = v[1] = rss;
    int64_t mx[3] = {v[0], v[2], v[4]}, sm[3] = {v[1], v[3], v[5]};
    comm_allreduce_int64(mx, 3, COMM_MAX);
    comm_allreduce_int64(sm, 3, COMM_SUM);
    mem.max = mx[0];
    mem.sum = sm[0];
    mem.setup_max = have ? mx[1] : -1;
    mem.setup_sum = have ? sm[1] : -1;
    mem.after_max = have ? mx[2] : -1;
    mem.after_sum = have ? sm[2] : -1;
    int64_t calls[TIMER_COUNT];
    for (int t = 0; t < TIMER_COUNT; t++) calls[t] = timers[t].calls;
    comm_bcast_int64(calls, TIMER_COUNT, 0);
    for (int t = 0; t < TIMER_COUNT; t++) out[t].calls = calls[t];
}

void timer_print(FILE *f, const timer_stats_t st[TIMER_COUNT])
{
    fprintf(f, "timers:          %12s %12s %12s %6s %10s %8s\n", "min_s", "avg_s", "max_s", "max@",
            "calls", "imbal");
    for (int t = 0; t < TIMER_COUNT; t++) {
        if (st[t].calls == 0 && st[t].max == 0.0) continue;
        double imb = st[t].avg > 0 ? st[t].max / st[t].avg : 1.0;
        fprintf(f, "  %-14s %12.6f %12.6f %12.6f %6d %10" PRId64 " %8.3f\n", timer_names[t],
                st[t].min, st[t].avg, st[t].max, st[t].max_rank, st[t].calls, imb);
    }
    if (mem.max > 0)
        fprintf(f, "peak memory: %.1f MB on the largest rank, %.1f MB on all %d together\n",
                (double)mem.max / 1e6, (double)mem.sum / 1e6, comm_size());
    if (mem.setup_max > 0)
        fprintf(f,
                "  set-up (graph, partition, distribution) %.1f MB max, %.1f MB all; after it "
                "%.1f MB max, %.1f MB all\n",
                (double)mem.setup_max / 1e6, (double)mem.setup_sum / 1e6,
                (double)mem.after_max / 1e6, (double)mem.after_sum / 1e6);
}
