/* mlflow_lite.hpp - v0.2.0 (TBD) - C++17 handles over mlflow_lite.h: RAII runs, string_view keys, no exceptions.
   Public domain / MIT dual license, like mlflow_lite.h (see the end of that file).

   Keep this file beside mlflow_lite.h. In *one* C++ file:

       #define MLFLOW_LITE_IMPLEMENTATION
       #include "mlflow_lite.hpp"

   (it includes mlflow_lite.h, which then emits the implementation); elsewhere include it
   without the macro, or compile mlflow_lite.c as the implementation.

QUICK START
===========
    mll::store store;                         // ./mlruns or $MLFLOW_TRACKING_URI; never throws
    if (!store) { std::fprintf(stderr, "%s\n", store.last_error().message.c_str()); return 1; }
    mll::run run = store.start_run("cifar10", "baseline");   // get-or-create the experiment
    run.log_param("lr", 0.01);                                // arithmetic, bool or a string
    for (int step = 0; step < 100; ++step)
        run.log_metric("train/loss", 1.0 / (step + 1), step);
    run.log_metrics({{"val/acc", 0.9}, {"val/loss", 0.3}}, 99);
    // leaving the scope ends the run: FAILED while an exception unwinds, else FINISHED

WHAT THE C++ LAYER ADDS
=======================
- mll::store and mll::run own mll_store* / mll_run*: movable, not copyable.
  A run ends when its handle is destroyed: as FAILED when the destructor runs because an
  exception is unwinding the stack (std::uncaught_exceptions() grew since the run was
  started), else as FINISHED. run.end(status) ends it explicitly and returns the result.
- A store stays open as long as its mll::store or any run started from it lives: the
  last of them calls mll_close(), so no run handle can outlive its store.
- Keys and values are std::string_view (a literal, std::string, a char buffer ...). They
  are copied with a NUL into a stack buffer for the C call (keys up to 1 KiB, which covers
  MLflow's 250 characters in any UTF-8), so log_metric() allocates nothing beyond what
  mll_log_metric() does: nothing in steady state. log_metrics() allocates only for more
  than 16 points or more than 2 KiB of keys in one call. A key or value holding a NUL byte
  is refused with MLL_ERR_INVALID_KEY / MLL_ERR_INVALID_VALUE (C would cut it short).
- Nothing throws. Every logging call is noexcept and returns the mll_result; the detail
  of the last failure is last_error(). Accessors that return std::string (id(), name(),
  last_error() ...) can only throw std::bad_alloc.
- log_param(key, v): bool as "True"/"False", integers in decimal, double as Python's
  str(float), float as the shortest decimal that reads back as the same float (what
  Python writes for numpy.float32), strings as they are.
- get() gives the C handle for everything else in mlflow_lite.h (registry, batches with
  explicit timestamps, ...). Do not end or close a C handle a C++ object owns.

THREADS
=======
As mlflow_lite.h: every logging call, and last_error(), may come from any thread, also
on one run at once (tests/cxx/test_cxx_threads.cpp runs that under ThreadSanitizer).
Moving, assigning, end() and destroying a handle must not race with calls on it.
*/
#ifndef MLFLOW_LITE_HPP
#define MLFLOW_LITE_HPP

#include "mlflow_lite.h"

#include <atomic>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace mll {

/* How a run ends (MLflow's RunStatus). */
enum class status : int {
    finished = MLL_RUN_FINISHED,
    failed = MLL_RUN_FAILED,
    killed = MLL_RUN_KILLED
};

/* The detail of a failure: mll_error with std::string fields. */
struct error {
    mll_result code = MLL_OK;
    int sys_errno = 0;       /* errno at the failure, 0 if none */
    std::string operation;   /* "open", "log metric", ... */
    std::string subject;     /* the key, name or path concerned */
    std::string message;     /* one line, for humans */
};

/* One point of log_metrics(). */
struct metric {
    std::string_view key;
    double value;
};

/* Options of store::start_run(); an empty string means "default" (mll_run_desc's 0). */
struct run_options {
    std::string experiment_name;   /* get-or-create by name */
    std::string experiment_id;     /* or an existing experiment id */
    std::string run_name;          /* empty: random adjective-noun-NNN */
    std::string run_id;            /* reopen this run and keep appending */
    std::string parent_run_id;     /* nested run */
    std::vector<std::pair<std::string, std::string>> tags;
    std::string description;       /* tag mlflow.note.content */
    std::string artifact_location; /* for a new experiment, e.g. "s3://bucket/path" */
    std::string user;              /* empty: $MLFLOW_TRACKING_USERNAME, else the login name */
    std::string source_name;       /* empty: the program's path */
    std::int64_t start_time_ms = 0; /* 0: now */
};

class run;

namespace detail {

/* A NUL-terminated copy of a string_view for the C API: in the object when it fits,
   else on the heap (nothrow). status() is MLL_OK, the code given for an embedded NUL,
   or MLL_ERR_NO_MEMORY. */
template <std::size_t N>
class zstr {
public:
    zstr(std::string_view s, mll_result on_nul) noexcept {
        if (!s.empty() && std::memchr(s.data(), '\0', s.size())) {
            rc_ = on_nul;
            return;
        }
        char *dst = small_;
        if (s.size() >= N) {
            big_.reset(new (std::nothrow) char[s.size() + 1]);
            if (!big_) {
                rc_ = MLL_ERR_NO_MEMORY;
                return;
            }
            dst = big_.get();
        }
        if (!s.empty()) std::memcpy(dst, s.data(), s.size());
        dst[s.size()] = '\0';
        p_ = dst;
    }
    zstr(const zstr &) = delete;
    zstr &operator=(const zstr &) = delete;
    const char *c_str() const noexcept { return p_; }
    /* NULL for an empty string: the C API's "default" */
    const char *or_null() const noexcept { return p_ && *p_ ? p_ : nullptr; }
    mll_result status() const noexcept { return rc_; }

private:
    char small_[N];
    std::unique_ptr<char[]> big_;
    const char *p_ = "";
    mll_result rc_ = MLL_OK;
};
using zkey = zstr<1024>;   /* MLflow keys: <= 250 characters, <= 1000 bytes of UTF-8 */
using zval = zstr<256>;    /* values: longer ones go to the heap (params, tags: not hot) */

/* Appends s to the NUL-terminated text in buf[cap], cutting it short when full. */
inline void append(char *buf, std::size_t cap, std::string_view s) noexcept {
    std::size_t len = std::strlen(buf);
    std::size_t n = s.size() < cap - 1 - len ? s.size() : cap - 1 - len;
    if (n) std::memcpy(buf + len, s.data(), n);
    buf[len + n] = '\0';
}

/* The shared owner of an mll_store*: the last mll::store or mll::run holding it closes it.
   Its logger hook remembers the error mll_open() reports (mll_open has no handle to keep
   it in) and forwards everything to the caller's logger, or prints as the C default does. */
struct store_core {
    mll_store *handle = nullptr;
    mll_logger user_logger{};
    std::atomic<bool> capturing{false};
    mll_result open_code = MLL_OK;
    char open_message[512] = {0};

    store_core() = default;
    store_core(const store_core &) = delete;
    store_core &operator=(const store_core &) = delete;
    ~store_core() {
        if (handle) mll_close(handle);
    }

    static void log_hook(mll_log_level level, mll_result code, const char *message,
                         const char *file, int line, void *user_data) {
        store_core *c = static_cast<store_core *>(user_data);
        if (level == MLL_LOG_ERROR && c->capturing.load(std::memory_order_acquire)) {
            c->open_code = code;
            c->open_message[0] = '\0';
            append(c->open_message, sizeof(c->open_message), message ? message : "");
        }
        if (c->user_logger.func) {
            c->user_logger.func(level, code, message, file, line, c->user_logger.user_data);
            return;
        }
#if !defined(MLL_NO_STDIO)
        static const char *const names[] = {"", "error", "warning", "info", "debug"};
        if (level >= MLL_LOG_ERROR && level < MLL_LOG_DEBUG)
            std::fprintf(stderr, "mlflow_lite: %s: %s\n", names[level], message ? message : "");
#endif
    }
};

inline error to_error(const mll_error &e) {
    error out;
    out.code = e.code;
    out.sys_errno = e.sys_errno;
    out.operation = e.operation ? e.operation : "";
    out.subject = e.subject;
    out.message = e.message;
    return out;
}

/* Fills an mll_error for a failure found before reaching C (or for a failed start):
   the message reads "<op> '<subject>': <why>" as the C library's do. */
inline void set_error(mll_error &e, mll_result code, const char *op, std::string_view subject,
                      const char *message) noexcept {
    e.code = code;
    e.sys_errno = 0;
    e.operation = op;
    e.subject[0] = '\0';
    append(e.subject, sizeof(e.subject), subject);
    for (std::size_t i = 0; i < subject.size() && i < sizeof(e.subject) - 1; i++)
        if (e.subject[i] == '\0') e.subject[i] = '?'; /* an embedded NUL, made visible */
    e.message[0] = '\0';
    for (std::string_view part : {std::string_view(op), std::string_view(" '"),
                                  std::string_view(e.subject), std::string_view("': "),
                                  std::string_view(message ? message : mll_strerror(code))})
        append(e.message, sizeof(e.message), part);
}

/* The shortest decimal (1..9 significant digits) that reads back as f, as a double whose
   repr() is that decimal: 0.01f -> 0.01. printf and strtod share the locale's decimal
   point, so the round trip holds in any locale. */
inline double shortest_float(float f) noexcept {
    if (!(f == f) || f - f != 0.0f) return static_cast<double>(f); /* NaN, +-inf */
    char buf[48];
    for (int digits = 1; digits <= 9; digits++) {
        std::snprintf(buf, sizeof(buf), "%.*e", digits - 1, static_cast<double>(f));
        double d = std::strtod(buf, nullptr);
        if (static_cast<float>(d) == f) return d;
    }
    return static_cast<double>(f);
}

/* Failures found before reaching C (a NUL in a key, no memory) and the reason a start
   failed: kept beside the run, on the heap so the run stays movable, behind a mutex since
   any thread may log. local_is_newer says whether last_error() shows this one or the
   C run's own. */
struct run_errors {
    std::mutex lock;
    mll_error local{};
    std::atomic<bool> local_is_newer{false};
};

template <class>
inline constexpr bool unsupported_param_type = false;

} /* namespace detail */

/* A run handle: movable, not copyable; ends the run when destroyed (see the manual above). */
class run {
public:
    run() noexcept = default;
    run(run &&o) noexcept { take(o); }
    run &operator=(run &&o) noexcept {
        if (this != &o) {
            end_for_destruction();
            take(o);
        }
        return *this;
    }
    run(const run &) = delete;
    run &operator=(const run &) = delete;
    ~run() { end_for_destruction(); }

    explicit operator bool() const noexcept { return h_ != nullptr; }
    mll_run *get() const noexcept { return h_; }

    std::string id() const { return mll_run_id(h_); }
    std::string experiment_id() const { return mll_run_experiment_id(h_); }
    std::string name() const { return mll_run_name(h_); }
    std::string artifact_uri() const { return mll_run_artifact_uri(h_); }
    std::string dir() const { return mll_run_dir(h_); }

    /* The last failure of a call on this handle (or of the start_run that made it). */
    error last_error() const {
        mll_error e{};
        if (errors_ && errors_->local_is_newer.load(std::memory_order_acquire)) {
            std::lock_guard<std::mutex> hold(errors_->lock);
            return detail::to_error(errors_->local);
        }
        if (!h_) {
            detail::set_error(e, MLL_ERR_INVALID_ARGUMENT, "use run", "", "the run handle is empty");
            return detail::to_error(e);
        }
        mll_run_last_error(h_, &e);
        return detail::to_error(e);
    }

    /* ---- metrics ---- */
    mll_result log_metric(std::string_view key, double value, std::int64_t step = 0) noexcept {
        detail::zkey k(key, MLL_ERR_INVALID_KEY);
        if (k.status() != MLL_OK) return fail_here(k.status(), "log metric", key);
        return seen(mll_log_metric(h_, k.c_str(), value, step));
    }
    mll_result log_metric_at(std::string_view key, double value, std::int64_t step,
                             std::int64_t timestamp_ms) noexcept {
        detail::zkey k(key, MLL_ERR_INVALID_KEY);
        if (k.status() != MLL_OK) return fail_here(k.status(), "log metric", key);
        return seen(mll_log_metric_at(h_, k.c_str(), value, step, timestamp_ms));
    }
    /* Many keys at one step (timestamp_ms 0: now); all keys are checked before any is logged. */
    mll_result log_metrics(std::initializer_list<metric> points, std::int64_t step = 0,
                           std::int64_t timestamp_ms = 0) noexcept {
        return log_metrics(points.begin(), points.size(), step, timestamp_ms);
    }
    mll_result log_metrics(const metric *points, std::size_t n, std::int64_t step = 0,
                           std::int64_t timestamp_ms = 0) noexcept;

    /* ---- params, tags, name ---- */
    template <class T>
    mll_result log_param(std::string_view key, const T &value) noexcept;
    mll_result set_tag(std::string_view key, std::string_view value) noexcept {
        return key_value(key, value, "set tag", mll_set_tag);
    }
    mll_result delete_tag(std::string_view key) noexcept {
        detail::zkey k(key, MLL_ERR_INVALID_KEY);
        if (k.status() != MLL_OK) return fail_here(k.status(), "delete tag", key);
        return seen(mll_delete_tag(h_, k.c_str()));
    }
    mll_result set_name(std::string_view name) noexcept {
        detail::zval v(name, MLL_ERR_INVALID_NAME);
        if (v.status() != MLL_OK) return fail_here(v.status(), "set run name", name);
        return seen(mll_set_run_name(h_, v.c_str()));
    }

    /* ---- artifacts ---- */
    /* text (any bytes) -> artifacts/<artifact_file> */
    mll_result log_text(std::string_view text, std::string_view artifact_file) noexcept {
        return log_bytes(text.data(), text.size(), artifact_file);
    }
    mll_result log_bytes(const void *data, std::size_t size, std::string_view artifact_file) noexcept {
        detail::zval f(artifact_file, MLL_ERR_INVALID_KEY);
        if (f.status() != MLL_OK) return fail_here(f.status(), "log bytes", artifact_file);
        return seen(mll_log_bytes(h_, size ? data : "", size, f.c_str()));
    }
    /* copies a local file to artifacts/<artifact_dir>/<its name> */
    mll_result log_artifact(std::string_view local_path, std::string_view artifact_dir = {}) noexcept {
        detail::zval p(local_path, MLL_ERR_INVALID_ARGUMENT);
        detail::zval d(artifact_dir, MLL_ERR_INVALID_KEY);
        if (p.status() != MLL_OK) return fail_here(p.status(), "log artifact", local_path);
        if (d.status() != MLL_OK) return fail_here(d.status(), "log artifact", artifact_dir);
        return seen(mll_log_artifact(h_, p.c_str(), d.or_null()));
    }

    mll_result flush() noexcept { return seen(mll_flush(h_)); }

    /* Ends the run now; the handle becomes empty. */
    mll_result end(status s = status::finished) noexcept {
        if (!h_) return MLL_ERR_INVALID_ARGUMENT;
        mll_result r = mll_end_run(h_, static_cast<mll_run_status>(s));
        h_ = nullptr;
        store_.reset();
        return r;
    }

private:
    friend class store;

    mll_run *h_ = nullptr;
    std::shared_ptr<detail::store_core> store_; /* keeps the store open while the run lives */
    int uncaught_ = 0;                          /* std::uncaught_exceptions() at the start */
    std::unique_ptr<detail::run_errors> errors_;

    void take(run &o) noexcept {
        h_ = std::exchange(o.h_, nullptr);
        store_ = std::move(o.store_);
        uncaught_ = o.uncaught_;
        errors_ = std::move(o.errors_);
    }
    void end_for_destruction() noexcept {
        if (!h_) return;
        end(std::uncaught_exceptions() > uncaught_ ? status::failed : status::finished);
    }
    /* a C call's result: a C failure makes the run's own last error the current one */
    mll_result seen(mll_result r) noexcept {
        if (r != MLL_OK && errors_) errors_->local_is_newer.store(false, std::memory_order_release);
        return r;
    }
    mll_result fail_here(mll_result code, const char *op, std::string_view subject,
                         const char *message = nullptr) noexcept {
        if (errors_) {
            std::lock_guard<std::mutex> hold(errors_->lock);
            detail::set_error(errors_->local, code, op, subject, message);
            errors_->local_is_newer.store(true, std::memory_order_release);
        }
        return code;
    }
    template <class F>
    mll_result key_value(std::string_view key, std::string_view value, const char *op, F f) noexcept {
        detail::zkey k(key, MLL_ERR_INVALID_KEY);
        if (k.status() != MLL_OK) return fail_here(k.status(), op, key);
        detail::zval v(value, MLL_ERR_INVALID_VALUE);
        if (v.status() != MLL_OK) return fail_here(v.status(), op, key);
        return seen(f(h_, k.c_str(), v.c_str()));
    }
};

inline mll_result run::log_metrics(const metric *points, std::size_t n, std::int64_t step,
                                   std::int64_t timestamp_ms) noexcept {
    /* keys end to end with NULs, and the C points: on the stack for ordinary batches */
    char small_keys[2048];
    mll_metric small_points[16];
    std::size_t bytes = 0;
    for (std::size_t i = 0; i < n; i++) {
        if (!points[i].key.empty() && std::memchr(points[i].key.data(), '\0', points[i].key.size()))
            return fail_here(MLL_ERR_INVALID_KEY, "log metrics", points[i].key);
        bytes += points[i].key.size() + 1;
    }
    std::unique_ptr<char[]> big_keys;
    std::unique_ptr<mll_metric[]> big_points;
    char *keys = small_keys;
    mll_metric *cpts = small_points;
    if (bytes > sizeof(small_keys)) {
        big_keys.reset(new (std::nothrow) char[bytes]);
        keys = big_keys.get();
    }
    if (n > sizeof(small_points) / sizeof(small_points[0])) {
        big_points.reset(new (std::nothrow) mll_metric[n]);
        cpts = big_points.get();
    }
    if (!keys || !cpts) return fail_here(MLL_ERR_NO_MEMORY, "log metrics", "");
    char *at = keys;
    for (std::size_t i = 0; i < n; i++) {
        std::string_view k = points[i].key;
        if (!k.empty()) std::memcpy(at, k.data(), k.size());
        at[k.size()] = '\0';
        cpts[i] = mll_metric{at, points[i].value, step, timestamp_ms};
        at += k.size() + 1;
    }
    return seen(mll_log_metrics(h_, cpts, n));
}

template <class T>
inline mll_result run::log_param(std::string_view key, const T &value) noexcept {
    using V = std::remove_cv_t<std::remove_reference_t<T>>;
    if constexpr (std::is_same_v<V, bool>) {
        return log_param(key, std::string_view(value ? "True" : "False"));
    } else if constexpr (std::is_integral_v<V>) {
        char buf[24];
        std::to_chars_result tc = std::to_chars(buf, buf + sizeof(buf) - 1, value);
        *tc.ptr = '\0';
        return log_param(key, std::string_view(buf, static_cast<std::size_t>(tc.ptr - buf)));
    } else if constexpr (std::is_floating_point_v<V>) {
        detail::zkey k(key, MLL_ERR_INVALID_KEY);
        if (k.status() != MLL_OK) return fail_here(k.status(), "log param", key);
        double d = std::is_same_v<V, float> ? detail::shortest_float(static_cast<float>(value))
                                            : static_cast<double>(value);
        return seen(mll_log_param_double(h_, k.c_str(), d));
    } else if constexpr (std::is_convertible_v<const V &, std::string_view>) {
        return key_value(key, std::string_view(value), "log param", mll_log_param);
    } else {
        static_assert(detail::unsupported_param_type<V>,
                      "mll::run::log_param takes an arithmetic type, bool or a string");
        return MLL_ERR_INVALID_ARGUMENT;
    }
}

/* A store handle (an mlruns/ root): movable, not copyable, never throws. */
class store {
public:
    /* ./mlruns or $MLFLOW_TRACKING_URI (mll_open with every default) */
    store() noexcept { open(mll_store_desc{}); }
    /* the root folder or file: URI */
    explicit store(std::string_view root) noexcept {
        detail::zval r(root, MLL_ERR_INVALID_ARGUMENT);
        if (r.status() != MLL_OK) {
            code_ = r.status();
            return;
        }
        mll_store_desc d{};
        d.root = r.or_null();
        open(d);
    }
    /* every option of mll_open (the desc is copied; hooks must outlive the store) */
    explicit store(const mll_store_desc &desc) noexcept { open(desc); }

    store(store &&) noexcept = default;
    store &operator=(store &&) noexcept = default;
    store(const store &) = delete;
    store &operator=(const store &) = delete;
    ~store() = default; /* closes the store unless runs from it still live */

    explicit operator bool() const noexcept { return core_ && core_->handle; }
    mll_store *get() const noexcept { return core_ ? core_->handle : nullptr; }
    std::string root() const { return mll_store_root(get()); }

    /* Why opening failed, or the store's last error (e.g. of a failed start_run). */
    error last_error() const {
        mll_error e{};
        if (*this) {
            mll_store_last_error(get(), &e);
        } else {
            mll_result code = code_ != MLL_OK ? code_ : MLL_ERR_INVALID_ARGUMENT;
            const char *msg = core_ && core_->open_message[0] ? core_->open_message : nullptr;
            detail::set_error(e, code, "open", "", nullptr);
            if (msg) {
                e.message[0] = '\0';
                detail::append(e.message, sizeof(e.message), msg);
            }
        }
        return detail::to_error(e);
    }

    /* Starts a run in the experiment of that name (created if needed; empty: the default). */
    run start_run(std::string_view experiment_name = {}, std::string_view run_name = {}) noexcept {
        detail::zval e(experiment_name, MLL_ERR_INVALID_NAME);
        detail::zval n(run_name, MLL_ERR_INVALID_NAME);
        if (e.status() != MLL_OK || n.status() != MLL_OK)
            return failed_run(e.status() != MLL_OK ? e.status() : n.status());
        mll_run_desc d{};
        d.experiment_name = e.or_null();
        d.run_name = n.or_null();
        return start_run(d);
    }
    run start_run(const run_options &o) noexcept;
    /* every option of mll_start_run */
    run start_run(const mll_run_desc &desc) noexcept {
        run r;
        r.uncaught_ = std::uncaught_exceptions();
        if (!*this) return failed_run(code_ != MLL_OK ? code_ : MLL_ERR_INVALID_ARGUMENT);
        r.errors_.reset(new (std::nothrow) detail::run_errors());
        if (!r.errors_) return failed_run(MLL_ERR_NO_MEMORY);
        mll_result rc = mll_start_run(&r.h_, core_->handle, &desc);
        if (rc != MLL_OK) return failed_run(rc);
        r.store_ = core_;
        return r;
    }

    mll_result set_experiment_tag(std::string_view experiment_id, std::string_view key,
                                  std::string_view value) noexcept {
        detail::zval id(experiment_id, MLL_ERR_INVALID_NAME);
        detail::zkey k(key, MLL_ERR_INVALID_KEY);
        detail::zval v(value, MLL_ERR_INVALID_VALUE);
        for (mll_result rc : {id.status(), k.status(), v.status()})
            if (rc != MLL_OK) return rc;
        return mll_set_experiment_tag(get(), id.c_str(), k.c_str(), v.c_str());
    }

private:
    std::shared_ptr<detail::store_core> core_;
    mll_result code_ = MLL_OK; /* why opening failed */

    void open(const mll_store_desc &desc) noexcept {
        core_.reset(new (std::nothrow) detail::store_core());
        if (!core_) {
            code_ = MLL_ERR_NO_MEMORY;
            return;
        }
        mll_store_desc d = desc;
        core_->user_logger = desc.logger;
        d.logger.func = detail::store_core::log_hook;
        d.logger.user_data = core_.get();
        core_->capturing.store(true, std::memory_order_release);
        code_ = mll_open(&core_->handle, &d);
        core_->capturing.store(false, std::memory_order_release);
    }
    /* An empty run whose last_error() says why it could not start. */
    run failed_run(mll_result rc) const noexcept {
        run r;
        r.errors_.reset(new (std::nothrow) detail::run_errors());
        if (!r.errors_) return r; /* last_error() then says the handle is empty */
        if (!*this || mll_store_last_error(core_->handle, &r.errors_->local) != rc)
            detail::set_error(r.errors_->local, rc, "start run", "", nullptr);
        r.errors_->local_is_newer.store(true, std::memory_order_relaxed);
        return r;
    }
};

inline run store::start_run(const run_options &o) noexcept {
    auto str = [](const std::string &s) { return s.empty() ? nullptr : s.c_str(); };
    std::unique_ptr<mll_tag[]> tags;
    if (!o.tags.empty()) {
        tags.reset(new (std::nothrow) mll_tag[o.tags.size()]);
        if (!tags) return failed_run(MLL_ERR_NO_MEMORY);
        for (std::size_t i = 0; i < o.tags.size(); i++)
            tags[i] = mll_tag{o.tags[i].first.c_str(), o.tags[i].second.c_str()};
    }
    mll_run_desc d{};
    d.experiment_name = str(o.experiment_name);
    d.experiment_id = str(o.experiment_id);
    d.run_name = str(o.run_name);
    d.run_id = str(o.run_id);
    d.parent_run_id = str(o.parent_run_id);
    d.tags = tags.get();
    d.num_tags = o.tags.size();
    d.description = str(o.description);
    d.artifact_location = str(o.artifact_location);
    d.user = str(o.user);
    d.source_name = str(o.source_name);
    d.start_time_ms = o.start_time_ms;
    return start_run(d);
}

} /* namespace mll */

#endif /* MLFLOW_LITE_HPP */
