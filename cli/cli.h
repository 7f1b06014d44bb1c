/* cli/cli.h - shared plumbing of the `zoo` command. One file per command
 * (cli/cmd_<name>.c) implements `int zoo_cmd_<name>(zoo_cli *, int argc, char **argv)`
 * where argv[0] is the command name; it returns the process exit code
 * (a zoo_status: 0 ok, 1 runtime, 2 invalid input/usage, 3 not found,
 * 4 integrity, 5 network; docs/cli.md). Errors are printed with zoo_cli_fail().
 */
#ifndef ZOO_CLI_CLI_H
#define ZOO_CLI_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "zoo/zoo.h"

typedef struct zoo_cli {
    zoo_ctx *ctx;          /* plugins loaded */
    const char *exe_dir;   /* directory of the running zoo binary */
    const char *manifest_dirs[8]; /* searched in order; NULL-terminated */
    bool stdout_tty;
} zoo_cli;

typedef struct zoo_cli_cmd {
    const char *name;
    const char *summary; /* one line for `zoo help` */
    const char *usage;   /* full help text for `zoo help CMD` */
    int (*run)(zoo_cli *cli, int argc, char **argv);
} zoo_cli_cmd;

/* Prints "zoo: <message>" on stderr and returns err->code (or 1 if unset). */
int zoo_cli_fail(const zoo_error *err);
/* Prints "zoo <cmd>: <message>" for usage errors and returns ZOO_ERR_INPUT. */
int zoo_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Model cache directory: $ZOO_HOME, else $XDG_CACHE_HOME/zoo, else ~/.cache/zoo.
 * Writes into buf; returns 0 or -1 (no HOME). */
int zoo_cli_cache_dir(char *buf, size_t size);
/* Default native weights path of a model: <cache>/models/<Model>/<Model>.zoo */
int zoo_cli_model_weights_path(const char *model, char *buf, size_t size);

/* Looks a model up; on failure prints "unknown model X (did you mean Y?)"
 * and returns NULL. */
const zoo_model_desc *zoo_cli_find_model(zoo_cli *cli, const char *name);

int zoo_cmd_list(zoo_cli *cli, int argc, char **argv);
int zoo_cmd_info(zoo_cli *cli, int argc, char **argv);
int zoo_cmd_convert(zoo_cli *cli, int argc, char **argv);
int zoo_cmd_infer(zoo_cli *cli, int argc, char **argv);
int zoo_cmd_bench(zoo_cli *cli, int argc, char **argv);
int zoo_cmd_run(zoo_cli *cli, int argc, char **argv);
int zoo_cmd_eval(zoo_cli *cli, int argc, char **argv);
int zoo_cmd_fetch(zoo_cli *cli, int argc, char **argv);
int zoo_cmd_verify(zoo_cli *cli, int argc, char **argv);
int zoo_cmd_rm(zoo_cli *cli, int argc, char **argv);
int zoo_cmd_devices(zoo_cli *cli, int argc, char **argv);

#endif
