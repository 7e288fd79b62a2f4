/* fake_gpu.c: stand-ins for libnvidia-ml.so.1 (NVML) and librocm_smi64.so (ROCm SMI), built
   by the test as two shared libraries, because this machine has no GPU. They export exactly
   the functions mlflow_lite.h looks up with dlsym, answer with values that change at every
   call, and append every answer to $FAKE_GPU_LOG ("<function> <device> <values...>" or
   "... FAIL"), so that sm_check.py can replay the same answers into MLflow 3.18's own
   GPUMonitor / ROCMMonitor (through a stand-in pynvml / pyrsmi) and compare, value for value.
   Built with -DFAKE_NVML or -DFAKE_ROCM. Environment:
     FAKE_GPU_COUNT       number of GPUs (default 2)
     FAKE_GPU_INIT_FAIL   1: init fails (as without a driver)
     FAKE_GPU_POWER_FAIL  a device whose power cannot be read (ROCm: a virtual GPU) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define FAKE_API __attribute__((visibility("default")))
#else
#define FAKE_API
#endif

static unsigned calls[8][64];

static int env_int(const char *name, int def) {
    const char *v = getenv(name);
    return v && *v ? atoi(v) : def;
}

static unsigned next_call(int fn, unsigned dev) { return calls[fn][dev & 63]++; }

/* One answer into the log: "<function> <device> <a> [<b>]", or "<function> <device> FAIL". */
static void logv(const char *fn, unsigned dev, int fail, int nvals, unsigned long long a, unsigned long long b) {
    const char *path = getenv("FAKE_GPU_LOG");
    FILE *f;
    if (!path || !(f = fopen(path, "a"))) return;
    if (fail) fprintf(f, "%s %u FAIL\n", fn, dev);
    else if (nvals == 1) fprintf(f, "%s %u %llu\n", fn, dev, a);
    else fprintf(f, "%s %u %llu %llu\n", fn, dev, a, b);
    fclose(f);
}

static unsigned device_count(void) { return (unsigned)env_int("FAKE_GPU_COUNT", 2); }
static int power_fails(unsigned dev) { return env_int("FAKE_GPU_POWER_FAIL", -1) == (int)dev; }

/* The answers: memory in bytes, utilisation in %, power in mW (NVML) or uW (ROCm). */
static unsigned long long mem_total(unsigned dev) { return (16ULL + dev) * 1000000000ULL + 4096ULL * dev; }
static unsigned long long mem_used(unsigned dev, unsigned k) {
    return 1250000000ULL * (k % 7 + 1) + 123456789ULL * dev + 1000ULL * k;
}
static unsigned util(unsigned dev, unsigned k) { return (17 * k + 5 * dev) % 101; }
static unsigned power_mw(unsigned dev, unsigned k) { return 75000 + 3333 * k + 1000 * dev; }

#ifdef FAKE_NVML
typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
typedef struct { unsigned int gpu, memory; } nvmlUtilization_t;
typedef void *nvmlDevice_t;

FAKE_API int nvmlInit_v2(void) { return env_int("FAKE_GPU_INIT_FAIL", 0) ? 9 : 0; } /* DRIVER_NOT_LOADED */
FAKE_API int nvmlShutdown(void) { return 0; }
FAKE_API int nvmlDeviceGetCount_v2(unsigned *n) { *n = device_count(); return 0; }
FAKE_API int nvmlDeviceGetHandleByIndex_v2(unsigned i, nvmlDevice_t *d) {
    if (i >= device_count()) return 2;
    *d = (nvmlDevice_t)(uintptr_t)(0x1000 + i);
    return 0;
}
static unsigned dev_of(nvmlDevice_t d) { return (unsigned)((uintptr_t)d - 0x1000); }
FAKE_API int nvmlDeviceGetMemoryInfo(nvmlDevice_t d, nvmlMemory_t *m) {
    unsigned i = dev_of(d), k = next_call(0, i);
    m->total = mem_total(i);
    m->used = mem_used(i, k);
    m->free = m->total - m->used;
    logv("memory", i, 0, 2, m->used, m->total);
    return 0;
}
FAKE_API int nvmlDeviceGetUtilizationRates(nvmlDevice_t d, nvmlUtilization_t *u) {
    unsigned i = dev_of(d), k = next_call(1, i);
    u->gpu = util(i, k);
    u->memory = 0;
    logv("util", i, 0, 1, u->gpu, 0);
    return 0;
}
FAKE_API int nvmlDeviceGetPowerUsage(nvmlDevice_t d, unsigned *mw) {
    unsigned i = dev_of(d), k = next_call(2, i);
    if (power_fails(i)) {
        logv("power", i, 1, 0, 0, 0);
        return 3; /* NOT_SUPPORTED */
    }
    *mw = power_mw(i, k);
    logv("power", i, 0, 1, *mw, 0);
    return 0;
}
FAKE_API int nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t d, unsigned *mw) {
    unsigned i = dev_of(d);
    *mw = 300000 - 1000 * i;
    logv("limit", i, 0, 1, *mw, 0);
    return 0;
}
FAKE_API int nvmlDeviceGetName(nvmlDevice_t d, char *name, unsigned len) {
    snprintf(name, len, "Fake NVIDIA GPU %u", dev_of(d));
    return 0;
}
FAKE_API int nvmlSystemGetDriverVersion(char *v, unsigned len) {
    snprintf(v, len, "535.999.fake");
    return 0;
}
#endif

#ifdef FAKE_ROCM
FAKE_API int rsmi_init(uint64_t flags) { (void)flags; return env_int("FAKE_GPU_INIT_FAIL", 0) ? 8 : 0; }
FAKE_API int rsmi_shut_down(void) { return 0; }
FAKE_API int rsmi_num_monitor_devices(uint32_t *n) { *n = device_count(); return 0; }
FAKE_API int rsmi_dev_memory_usage_get(uint32_t i, int type, uint64_t *used) {
    unsigned k = next_call(0, i);
    if (type != 0) return 1;
    *used = mem_used(i, k);
    logv("used", i, 0, 1, (unsigned long long)*used, 0);
    return 0;
}
FAKE_API int rsmi_dev_memory_total_get(uint32_t i, int type, uint64_t *total) {
    if (type != 0) return 1;
    *total = mem_total(i);
    logv("total", i, 0, 1, (unsigned long long)*total, 0);
    return 0;
}
FAKE_API int rsmi_dev_busy_percent_get(uint32_t i, uint32_t *busy) {
    unsigned k = next_call(1, i);
    *busy = util(i, k);
    logv("busy", i, 0, 1, *busy, 0);
    return 0;
}
FAKE_API int rsmi_dev_power_ave_get(uint32_t i, uint32_t sensor, uint64_t *uw) {
    unsigned k = next_call(2, i);
    (void)sensor;
    if (power_fails(i)) {
        logv("power", i, 1, 0, 0, 0);
        return 2;
    }
    *uw = (uint64_t)power_mw(i, k) * 1000 + 7; /* microwatts */
    logv("power", i, 0, 1, (unsigned long long)*uw, 0);
    return 0;
}
FAKE_API int rsmi_dev_name_get(uint32_t i, char *name, size_t len) {
    snprintf(name, len, "Fake AMD GPU %u", (unsigned)i);
    return 0;
}
FAKE_API int rsmi_version_str_get(int component, char *v, uint32_t len) {
    if (component != 0) return 1;
    snprintf(v, len, "6.9.9-fake");
    return 0;
}
#endif
