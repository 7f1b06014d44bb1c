/* cpu/threads.c - the plan's fork-join thread pool (see threads.h).
 * A generation counter under a mutex starts a job; workers (and the caller)
 * take task indices from an atomic counter; the last worker to finish its
 * share signals completion. Workers spin briefly on the generation before
 * sleeping on the condition variable, since jobs come back-to-back during a
 * run, and the caller spins briefly for the others' last tasks before
 * sleeping; both spins yield the core between short bursts (see
 * spin_while_equal), so a loaded machine is not made slower by them. */
#include "cpu/threads.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

struct cpu_pool {
    int n;
    pthread_t *threads;
    int started; /* threads successfully created */
    pthread_mutex_t mu;
    pthread_cond_t wake, done;
    atomic_uint gen;    /* incremented per job */
    int quit;
    /* the current job */
    cpu_task_fn fn;
    void *ctx;
    int tasks;
    atomic_int next;    /* next task index */
    atomic_int active;  /* workers (besides the caller) still in the job */
};

typedef struct worker_arg {
    cpu_pool *p;
    int id;
} worker_arg;

/* Spins up to ~SPIN_ROUNDS * 1-2 us while *v == val (unsigned) or *v > 0
 * (int). Each round is a few dozen PAUSEs then sched_yield(): on an idle
 * core the yield returns at once, while on a shared, loaded machine it hands
 * the core to whoever is runnable (often the other thread of this pool)
 * instead of burning the time slice it needs. */
#define SPIN_ROUNDS 64

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static void spin_while_equal(atomic_uint *v, unsigned val) {
    for (int r = 0; r < SPIN_ROUNDS && atomic_load(v) == val; r++) {
        for (int i = 0; i < 32 && atomic_load(v) == val; i++) cpu_relax();
        sched_yield();
    }
}

static void spin_while_positive(atomic_int *v) {
    for (int r = 0; r < SPIN_ROUNDS && atomic_load(v) > 0; r++) {
        for (int i = 0; i < 32 && atomic_load(v) > 0; i++) cpu_relax();
        sched_yield();
    }
}

static void drain(cpu_pool *p, int id) {
    for (;;) {
        int t = atomic_fetch_add(&p->next, 1);
        if (t >= p->tasks) break;
        p->fn(p->ctx, t, id);
    }
}

static void *worker_main(void *arg) {
    cpu_pool *p = ((worker_arg *)arg)->p;
    int id = ((worker_arg *)arg)->id;
    free(arg);
    unsigned seen = 0;
    for (;;) {
        /* the next job usually follows within microseconds */
        spin_while_equal(&p->gen, seen);
        pthread_mutex_lock(&p->mu);
        while (atomic_load(&p->gen) == seen && !p->quit) pthread_cond_wait(&p->wake, &p->mu);
        if (p->quit) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        seen = atomic_load(&p->gen);
        pthread_mutex_unlock(&p->mu);
        drain(p, id);
        if (atomic_fetch_sub(&p->active, 1) == 1) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->done);
            pthread_mutex_unlock(&p->mu);
        }
    }
}

int cpu_online_cores(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n >= 1 ? (int)(n > 1024 ? 1024 : n) : 1;
}

cpu_pool *cpu_pool_new(int n_threads) {
    if (n_threads < 1) n_threads = 1;
    cpu_pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->n = n_threads;
    if (pthread_mutex_init(&p->mu, NULL)) {
        free(p);
        return NULL;
    }
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->done, NULL);
    atomic_init(&p->gen, 0);
    atomic_init(&p->next, 0);
    atomic_init(&p->active, 0);
    if (n_threads > 1) {
        p->threads = calloc((size_t)n_threads - 1, sizeof(pthread_t));
        if (!p->threads) {
            cpu_pool_free(p);
            return NULL;
        }
        for (int i = 1; i < n_threads; i++) {
            worker_arg *a = malloc(sizeof *a);
            if (!a) break;
            a->p = p;
            a->id = i;
            if (pthread_create(&p->threads[i - 1], NULL, worker_main, a)) {
                free(a);
                break;
            }
            p->started++;
        }
        if (p->started != n_threads - 1) {
            cpu_pool_free(p);
            return NULL;
        }
    }
    return p;
}

void cpu_pool_free(cpu_pool *p) {
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->started; i++) pthread_join(p->threads[i], NULL);
    free(p->threads);
    pthread_cond_destroy(&p->wake);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

int cpu_pool_size(const cpu_pool *p) { return p->n; }

void cpu_pool_run(cpu_pool *p, int tasks, cpu_task_fn fn, void *ctx) {
    if (tasks <= 0) return;
    if (p->n == 1 || tasks == 1) {
        for (int t = 0; t < tasks; t++) fn(ctx, t, 0);
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->ctx = ctx;
    p->tasks = tasks;
    atomic_store(&p->next, 0);
    atomic_store(&p->active, p->n - 1);
    atomic_fetch_add(&p->gen, 1);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    drain(p, 0);
    spin_while_positive(&p->active); /* the others' last tasks are usually nearly done */
    pthread_mutex_lock(&p->mu);
    while (atomic_load(&p->active) > 0) pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}
