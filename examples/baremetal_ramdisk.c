/* baremetal_ramdisk.c - mlflow_lite on a microcontroller without an operating system.

   Shows: the twelve mll_fs hooks implemented over a small file system, here a RAM disk
   (fixed tables, no OS). Each hook notes the FatFs call a board with an SD card would use
   instead (f_mkdir, f_open, f_read/f_lseek, f_write, f_sync, f_truncate, f_close,
   f_rename, f_unlink, f_stat, f_opendir/f_readdir): copy the hooks, replace the rd_*
   bodies. Then a run is logged with explicit timestamps (a board without a real-time clock
   passes its own), and, on a host, the RAM disk is dumped to a folder MLflow reads.
   Macros: MLL_NO_THREADS (no flusher thread: points are flushed inside the log calls when
   the interval passed or the buffer is full), MLL_NO_DEFAULT_FS (no POSIX file calls),
   MLL_NO_STDIO (the default logger prints nothing), MLL_NO_REGISTRY (no model registry),
   MLL_USE_STB_SPRINTF=0; set by this file when the build does not.

   Build for a Cortex-M4 (newlib-nano, as scripts/stages/baremetal.sh does):
     arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os -std=c99 \
       -ffunction-sections -fdata-sections -I. examples/baremetal_ramdisk.c \
       -specs=nano.specs -specs=nosys.specs -Wl,--gc-sections -o fw.elf
   On a host, tests/platform/test_ramdisk.c runs the same hooks and MLflow reads the dump. */
#ifndef MLL_NO_THREADS
#define MLL_NO_THREADS
#endif
#ifndef MLL_NO_DEFAULT_FS
#define MLL_NO_DEFAULT_FS
#endif
#ifndef MLL_NO_STDIO
#define MLL_NO_STDIO
#endif
#ifndef MLL_NO_REGISTRY
#define MLL_NO_REGISTRY
#endif
#ifndef MLL_USE_STB_SPRINTF
#define MLL_USE_STB_SPRINTF 0
#endif
/* the handle tables are static (RAM): size them for what the firmware opens at once */
#ifndef MLL_MAX_HANDLES
#define MLL_MAX_HANDLES 8
#endif
#ifndef MLL_MAX_STORES
#define MLL_MAX_STORES 2
#endif
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include <string.h>

/* ---- the RAM disk: fixed tables, file data in one arena ------------------------------ */
enum { RD_NODES = 160, RD_PATH = 200, RD_FILES = 8, RD_ARENA = 96 * 1024 };
typedef struct rd_node {
    char path[RD_PATH]; /* "" = free */
    int is_dir;
    unsigned char *data; /* a slice of the arena; grown by moving to its end */
    size_t size, cap;
} rd_node;
typedef struct rd_file {
    int node; /* -1 = free */
    int append;
} rd_file;
typedef struct ramdisk {
    rd_node nodes[RD_NODES];
    rd_file files[RD_FILES];
    unsigned char arena[RD_ARENA];
    size_t arena_used;
} ramdisk;

static int rd_find(ramdisk *d, const char *path) {
    int i;
    for (i = 0; i < RD_NODES; i++)
        if (d->nodes[i].path[0] && strcmp(d->nodes[i].path, path) == 0) return i;
    return -1;
}
/* The parent folder of path must exist ("/" always does). */
static int rd_parent_ok(ramdisk *d, const char *path) {
    char parent[RD_PATH];
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    if (n == 0) return 1;
    memcpy(parent, path, n);
    parent[n] = '\0';
    n = (size_t)rd_find(d, parent);
    return (int)n >= 0 && d->nodes[n].is_dir;
}
static mll_result rd_new(ramdisk *d, const char *path, int is_dir, int *out) {
    int i;
    if (strlen(path) >= RD_PATH) return MLL_ERR_PATH_TOO_LONG;
    if (!rd_parent_ok(d, path)) return MLL_ERR_NOT_FOUND;
    for (i = 0; i < RD_NODES; i++) {
        if (!d->nodes[i].path[0]) {
            memset(&d->nodes[i], 0, sizeof(d->nodes[i]));
            strcpy(d->nodes[i].path, path);
            d->nodes[i].is_dir = is_dir;
            *out = i;
            return MLL_OK;
        }
    }
    return MLL_ERR_NO_SPACE;
}
/* Room for size bytes: a file that outgrows its slice moves to the end of the arena (a
   RAM disk this small never compacts; an SD card has no such limit). */
static mll_result rd_reserve(ramdisk *d, rd_node *n, size_t size) {
    size_t cap = n->cap ? n->cap : 64;
    if (size <= n->cap) return MLL_OK;
    while (cap < size) cap *= 2;
    if (RD_ARENA - d->arena_used < cap) return MLL_ERR_NO_SPACE;
    if (n->size) memmove(d->arena + d->arena_used, n->data, n->size);
    n->data = d->arena + d->arena_used;
    n->cap = cap;
    d->arena_used += cap;
    return MLL_OK;
}

/* ---- the hooks: what a FatFs port replaces ------------------------------------------ */
static mll_result fs_mkdir(const char *path, void *ud) { /* f_mkdir(path) */
    ramdisk *d = (ramdisk *)ud;
    int i;
    if (rd_find(d, path) >= 0) return MLL_ERR_EXISTS; /* FR_EXIST */
    return rd_new(d, path, 1, &i);
}
/* f_open(&fil, path, FA_READ | FA_OPEN_EXISTING / FA_WRITE | FA_OPEN_APPEND /
   FA_WRITE | FA_CREATE_NEW / FA_WRITE | FA_CREATE_ALWAYS) */
static mll_result fs_open(const char *path, mll_open_mode mode, intptr_t *h, void *ud) {
    ramdisk *d = (ramdisk *)ud;
    int node = rd_find(d, path), f;
    mll_result r = MLL_OK;
    for (f = 0; f < RD_FILES && d->files[f].node >= 0; f++) {
    }
    if (f == RD_FILES) return MLL_ERR_NO_MEMORY; /* FR_TOO_MANY_OPEN_FILES */
    if (node >= 0 && d->nodes[node].is_dir) return MLL_ERR_PERMISSION;
    if (mode == MLL_OPEN_READ && node < 0) return MLL_ERR_NOT_FOUND;
    if (mode == MLL_OPEN_CREATE_EXCL && node >= 0) return MLL_ERR_EXISTS;
    if (node < 0) r = rd_new(d, path, 0, &node);
    if (r != MLL_OK) return r;
    if (mode == MLL_OPEN_TRUNCATE) d->nodes[node].size = 0;
    d->files[f].node = node;
    d->files[f].append = mode != MLL_OPEN_READ;
    *h = (intptr_t)f;
    return MLL_OK;
}
static mll_result fs_read(intptr_t h, uint64_t off, void *buf, size_t n, size_t *got, void *ud) {
    ramdisk *d = (ramdisk *)ud; /* f_lseek(&fil, off); f_read(&fil, buf, n, &got) */
    rd_node *nd = &d->nodes[d->files[h].node];
    *got = 0;
    if (off >= nd->size) return MLL_OK;
    *got = nd->size - (size_t)off < n ? nd->size - (size_t)off : n;
    memcpy(buf, nd->data + off, *got);
    return MLL_OK;
}
static mll_result fs_write(intptr_t h, const void *buf, size_t n, size_t *written, void *ud) {
    ramdisk *d = (ramdisk *)ud; /* f_write(&fil, buf, n, &written): at the end (FA_OPEN_APPEND) */
    rd_node *nd = &d->nodes[d->files[h].node];
    mll_result r = rd_reserve(d, nd, nd->size + n);
    *written = 0;
    if (r != MLL_OK) return r; /* FR_DENIED on a full card: say MLL_ERR_NO_SPACE */
    memcpy(nd->data + nd->size, buf, n);
    nd->size += n;
    *written = n;
    return MLL_OK;
}
static mll_result fs_sync(intptr_t h, void *ud) { /* f_sync(&fil) */
    (void)h;
    (void)ud;
    return MLL_OK;
}
static mll_result fs_truncate(intptr_t h, uint64_t size, void *ud) {
    ramdisk *d = (ramdisk *)ud; /* f_lseek(&fil, size); f_truncate(&fil) */
    rd_node *nd = &d->nodes[d->files[h].node];
    if (size < nd->size) nd->size = (size_t)size;
    return MLL_OK;
}
static mll_result fs_close(intptr_t h, void *ud) { /* f_close(&fil) */
    ((ramdisk *)ud)->files[h].node = -1;
    return MLL_OK;
}
/* Replaces an existing file. FatFs's f_rename fails on an existing target: f_unlink it
   first (not atomic on FAT: a power cut in between loses the old file, never the new). */
static mll_result fs_rename(const char *from, const char *to, void *ud) {
    ramdisk *d = (ramdisk *)ud;
    int src = rd_find(d, from), dst = rd_find(d, to);
    if (src < 0) return MLL_ERR_NOT_FOUND;
    if (dst >= 0 && d->nodes[dst].is_dir) return MLL_ERR_EXISTS;
    if (strlen(to) >= RD_PATH) return MLL_ERR_PATH_TOO_LONG;
    if (!rd_parent_ok(d, to)) return MLL_ERR_NOT_FOUND;
    if (dst >= 0) d->nodes[dst].path[0] = '\0';
    if (d->nodes[src].is_dir) { /* a folder moves with everything below it */
        size_t fl = strlen(from), tl = strlen(to);
        int i;
        for (i = 0; i < RD_NODES; i++) {
            char *p = d->nodes[i].path;
            if (p[0] && strncmp(p, from, fl) == 0 && p[fl] == '/') {
                if (strlen(p) - fl + tl >= RD_PATH) return MLL_ERR_PATH_TOO_LONG;
                memmove(p + tl, p + fl, strlen(p + fl) + 1);
                memcpy(p, to, tl);
            }
        }
    }
    strcpy(d->nodes[src].path, to);
    return MLL_OK;
}
/* Creates `to` only if it does not exist. FAT has no hard links: f_stat(to) == FR_NO_FILE,
   then f_rename(from, to), which never replaces (the caller then removes `from`, gone). */
static mll_result fs_link(const char *from, const char *to, void *ud) {
    if (rd_find((ramdisk *)ud, to) >= 0) return MLL_ERR_EXISTS;
    return fs_rename(from, to, ud);
}
static mll_result fs_remove(const char *path, void *ud) { /* f_unlink(path) */
    ramdisk *d = (ramdisk *)ud;
    int i = rd_find(d, path), j;
    size_t n = strlen(path);
    if (i < 0) return MLL_ERR_NOT_FOUND;
    for (j = 0; j < RD_NODES && d->nodes[i].is_dir; j++) /* a folder must be empty */
        if (d->nodes[j].path[0] && strncmp(d->nodes[j].path, path, n) == 0 && d->nodes[j].path[n] == '/')
            return MLL_ERR_EXISTS;
    d->nodes[i].path[0] = '\0';
    return MLL_OK;
}
static mll_result fs_stat(const char *path, mll_stat *st, void *ud) { /* f_stat(path, &fno) */
    ramdisk *d = (ramdisk *)ud;
    int i = rd_find(d, path);
    memset(st, 0, sizeof(*st));
    if (i < 0) return MLL_OK; /* FR_NO_FILE: exists = 0 */
    st->exists = 1;
    st->is_dir = d->nodes[i].is_dir;
    st->size = d->nodes[i].size;
    return MLL_OK;
}
/* f_opendir(&dir, path); while (f_readdir(&dir, &fno) == FR_OK && fno.fname[0]) fn(...) */
static mll_result fs_list(const char *dir, mll_list_fn fn, void *ctx, void *ud) {
    ramdisk *d = (ramdisk *)ud;
    size_t n = strlen(dir);
    int i;
    if (rd_find(d, dir) < 0) return MLL_ERR_NOT_FOUND;
    for (i = 0; i < RD_NODES; i++) {
        const char *p = d->nodes[i].path;
        if (p[0] && strncmp(p, dir, n) == 0 && p[n] == '/' && !strchr(p + n + 1, '/'))
            if (fn(p + n + 1, d->nodes[i].is_dir, ctx)) break;
    }
    return MLL_OK;
}

/* Formats a fresh RAM disk with its root folder "/" and fills an mll_fs for it. */
static void ramdisk_init(ramdisk *d, mll_fs *fs) {
    int i;
    memset(d, 0, sizeof(*d));
    for (i = 0; i < RD_FILES; i++) d->files[i].node = -1;
    strcpy(d->nodes[0].path, "/");
    d->nodes[0].is_dir = 1;
    memset(fs, 0, sizeof(*fs));
    fs->mkdir = fs_mkdir;
    fs->open = fs_open;
    fs->read = fs_read;
    fs->write = fs_write;
    fs->sync = fs_sync;
    fs->truncate = fs_truncate;
    fs->close = fs_close;
    fs->rename = fs_rename;
    fs->link = fs_link;
    fs->remove = fs_remove;
    fs->stat = fs_stat;
    fs->list = fs_list;
    fs->user_data = d;
}

/* ---- the training loop --------------------------------------------------------------- */
/* A sensor model trained on the device: a few params, a loss per step, a tag. time0_ms is
   the board's idea of the epoch (from an RTC, GPS or the last sync); every timestamp is
   explicit, so the board needs no clock in libc. Returns MLL_OK or the first error. */
static mll_result log_training(const mll_fs *fs, int64_t time0_ms, char *run_id, size_t cap) {
    mll_store *store = NULL;
    mll_run *run = NULL;
    mll_store_desc sd;
    mll_run_desc rd;
    mll_result r;
    int step;
    memset(&sd, 0, sizeof(sd));
    memset(&rd, 0, sizeof(rd));
    sd.root = "/mlruns";
    sd.fs = *fs;
    sd.ignore_env = 1;
    sd.buffer_bytes = 2048; /* small RAM: flush every ~2 KiB of points */
    r = mll_open(&store, &sd);
    if (r != MLL_OK) return r;
    rd.experiment_name = "edge-sensor";
    rd.run_name = "cortex-m4";
    rd.user = "device-42";
    rd.source_name = "firmware.elf";
    rd.start_time_ms = time0_ms;
    r = mll_start_run(&run, store, &rd);
    if (r == MLL_OK) r = mll_log_param(run, "lr", "0.05");
    if (r == MLL_OK) r = mll_log_param_int(run, "window", 32);
    if (r == MLL_OK) r = mll_set_tag(run, "board", "stm32f4");
    for (step = 0; r == MLL_OK && step < 200; step++)
        r = mll_log_metric_at(run, "loss", 1.0 / (step + 1), step, time0_ms + 10 * step);
    if (r == MLL_OK) r = mll_log_metric_at(run, "accuracy", 0.875, 199, time0_ms + 2000);
    if (r == MLL_OK) {
        size_t n = strlen(mll_run_id(run));
        if (n < cap) memcpy(run_id, mll_run_id(run), n + 1);
    }
    if (run) {
        mll_result e = mll_end_run(run, r == MLL_OK ? MLL_RUN_FINISHED : MLL_RUN_FAILED);
        if (r == MLL_OK) r = e;
    }
    if (mll_close(store) != MLL_OK && r == MLL_OK) r = MLL_ERR_IO;
    return r;
}

#ifndef BAREMETAL_RAMDISK_NO_MAIN
static ramdisk g_disk;
int main(void) {
    mll_fs fs;
    char run_id[64];
    ramdisk_init(&g_disk, &fs);
    /* 2026-11-22 00:00 UTC: a real board reads its RTC here */
    return log_training(&fs, 1795305600000LL, run_id, sizeof(run_id)) == MLL_OK ? 0 : 1;
}
#endif
