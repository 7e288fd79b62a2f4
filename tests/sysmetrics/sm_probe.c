/* sm_probe: mlflow_lite.h's system-metric readers on demand, for sm_check.py. It includes the
   implementation to reach the private readers, reads one command per line on stdin and
   answers one JSON line on stdout, so that Python can take psutil's reading right before and
   right after ours (the same moment), or hand both the same copy of a /proc file.
     cpu FILE           the cpu line of a /proc/stat copy: {"t": [seconds...]}
     cpupct A B         our CPU % between two /proc/stat copies (psutil's formula, round(, 1))
     mem FILE           used and total bytes from a /proc/meminfo copy
     disk PATH          statvfs fields and our used / free / percent
     net FILE           received and sent bytes summed over a /proc/net/dev copy
     proc               this process: CPU microseconds, RSS bytes, threads (live)
     busy on|off        a thread spinning in this process (a known CPU load)
     round X...         mll__round1 of each X
     quit */
#define _POSIX_C_SOURCE 200809L
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile int spinning;
static pthread_t spinner;

static void *spin(void *arg) {
    volatile unsigned long x = 0;
    (void)arg;
    while (spinning) x++;
    return NULL;
}

static void print_result(const char *what, mll_result r) { /* an error answer */
    printf("{\"error\": \"%s: %s\"}\n", what, mll_strerror(r));
}

static void cmd_cpu(const char *file) {
    mll__sm_cpu c;
    int i;
    mll_result r = mll__sm_read_cpu(file, &c);
    if (r != MLL_OK) {
        print_result(file, r);
        return;
    }
    printf("{\"t\": [");
    for (i = 0; i < c.n; i++) printf("%s%.17g", i ? ", " : "", c.t[i]);
    printf("]}\n");
}

static void cmd_cpupct(const char *a, const char *b) {
    mll__sm_cpu c1, c2;
    mll_result r = mll__sm_read_cpu(a, &c1);
    if (r == MLL_OK) r = mll__sm_read_cpu(b, &c2);
    if (r != MLL_OK) {
        print_result("cpupct", r);
        return;
    }
    printf("{\"pct\": %.17g}\n", mll__round1(mll__sm_cpu_percent(&c1, &c2)));
}

static void cmd_mem(const char *file) {
    mll__sm_mem m;
    mll_result r = mll__sm_read_mem(file, &m);
    if (r != MLL_OK) {
        print_result(file, r);
        return;
    }
    printf("{\"used\": %llu, \"total\": %llu, \"mb\": %.17g, \"pct\": %.17g}\n", (unsigned long long)m.used,
           (unsigned long long)m.total, (double)m.used / 1e6, (double)m.used / (double)m.total * 100);
}

static void cmd_disk(const char *path) {
    struct statvfs st;
    mll__sm_disk d;
    if (statvfs(path, &st) != 0) {
        print_result(path, MLL_ERR_IO);
        return;
    }
    mll__sm_disk_from(&st, &d);
    printf("{\"f_blocks\": %llu, \"f_bfree\": %llu, \"f_bavail\": %llu, \"f_frsize\": %llu, \"used\": %llu, "
           "\"free\": %llu, \"pct\": %.17g, \"used_mb\": %.17g, \"free_mb\": %.17g}\n",
           (unsigned long long)st.f_blocks, (unsigned long long)st.f_bfree, (unsigned long long)st.f_bavail,
           (unsigned long long)st.f_frsize, (unsigned long long)d.used, (unsigned long long)d.free,
           d.total_user ? mll__round1((double)d.used / (double)d.total_user * 100) : 0.0, (double)d.used / 1e6,
           (double)d.free / 1e6);
}

static void cmd_net(const char *file) {
    mll__sm_net n;
    mll_result r = mll__sm_read_net(file, &n);
    if (r != MLL_OK) {
        print_result(file, r);
        return;
    }
    printf("{\"rx\": %llu, \"tx\": %llu}\n", (unsigned long long)n.rx, (unsigned long long)n.tx);
}

static void cmd_proc(void) {
    mll__sm_proc p;
    mll_result r = mll__sm_read_proc("/proc/self/status", &p);
    if (r != MLL_OK) {
        print_result("proc", r);
        return;
    }
    printf("{\"cpu_us\": %lld, \"rss\": %llu, \"threads\": %d, \"mono_us\": %lld}\n", (long long)p.cpu_us,
           (unsigned long long)p.rss, p.threads, (long long)mll__sm_mono_us());
}

static void cmd_round(char *args) {
    char *tok, *save = NULL;
    int first = 1;
    printf("{\"r\": [");
    for (tok = strtok_r(args, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        printf("%s%.17e", first ? "" : ", ", mll__round1(strtod(tok, NULL))); /* keeps -0 */
        first = 0;
    }
    printf("]}\n");
}

int main(void) {
    static char line[1 << 20];
    while (fgets(line, sizeof(line), stdin)) {
        char cmd[32] = "", a[4096] = "", b[4096] = "";
        line[strcspn(line, "\n")] = '\0';
        sscanf(line, "%31s %4095s %4095s", cmd, a, b);
        if (!strcmp(cmd, "cpu")) cmd_cpu(a);
        else if (!strcmp(cmd, "cpupct")) cmd_cpupct(a, b);
        else if (!strcmp(cmd, "mem")) cmd_mem(a);
        else if (!strcmp(cmd, "disk")) cmd_disk(a);
        else if (!strcmp(cmd, "net")) cmd_net(a);
        else if (!strcmp(cmd, "proc")) cmd_proc();
        else if (!strcmp(cmd, "round")) cmd_round(line + 5);
        else if (!strcmp(cmd, "busy") && !strcmp(a, "on") && !spinning) {
            spinning = 1;
            if (pthread_create(&spinner, NULL, spin, NULL) != 0) spinning = 0;
            printf("{\"busy\": %d}\n", spinning);
        } else if (!strcmp(cmd, "busy") && !strcmp(a, "off")) {
            if (spinning) {
                spinning = 0;
                pthread_join(spinner, NULL);
            }
            printf("{\"busy\": 0}\n");
        } else if (!strcmp(cmd, "quit")) break;
        else printf("{\"error\": \"unknown command\"}\n");
        fflush(stdout);
    }
    if (spinning) {
        spinning = 0;
        pthread_join(spinner, NULL);
    }
    return 0;
}
