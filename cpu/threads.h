/* cpu/threads.h - a small fork-join thread pool owned by one CPU plan.
 *
 * cpu_pool_new(n) starts n - 1 worker threads; the calling thread is worker
 * 0. cpu_pool_run(p, tasks, fn, ctx) calls fn(ctx, task, worker) for every
 * task in [0, tasks), tasks handed out dynamically (atomic counter), and
 * returns when all are done. One run at a time per pool (the plan runs one
 * batch at a time). No global state: everything lives in the pool. */
#ifndef ZOO_CPU_THREADS_H
#define ZOO_CPU_THREADS_H

typedef struct cpu_pool cpu_pool;
typedef void (*cpu_task_fn)(void *ctx, int task, int worker);

/* NULL on failure (out of memory / thread creation): the caller reports it. */
cpu_pool *cpu_pool_new(int n_threads);
void cpu_pool_free(cpu_pool *p);
int cpu_pool_size(const cpu_pool *p);
void cpu_pool_run(cpu_pool *p, int tasks, cpu_task_fn fn, void *ctx);

/* Number of online CPUs (>= 1). */
int cpu_online_cores(void);

#endif
