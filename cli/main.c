/* cli/main.c - the `zoo` command: global options, plugin loading, dispatch.
 * Exit codes (docs/cli.md): 0 ok, 1 runtime error, 2 invalid input or usage,
 * 3 not found, 4 integrity check failed, 5 network error. */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

#ifndef ZOO_PREFIX
#define ZOO_PREFIX "/usr/local"
#endif

static int cmd_help(zoo_cli *cli, int argc, char **argv);
static int cmd_version(zoo_cli *cli, int argc, char **argv);

static const zoo_cli_cmd commands[] = {
    {"list", "list the registered models", "usage: zoo list [--local] [--json]\n"
     "  One line per model: family, input size, computed params (M, trainable) and FLOPs\n"
     "  (G, 2 x MACs), the reported top-1 from its manifest, and whether native weights\n"
     "  are in the cache. --local: only models with weights in the cache.\n",
     zoo_cmd_list},
    {"info", "describe one model", "usage: zoo info MODEL [--size N] [--no-layers]\n"
     "  Family, input, preprocessing, weight sources, computed params/FLOPs next to the\n"
     "  published table (plain count and Paddle's model_stat rules), and the layer summary.\n"
     "  --size N builds the network for an N x N input instead of the default.\n",
     zoo_cmd_info},
    {"convert", "convert Paddle weights to the native format",
     "usage: zoo convert MODEL SOURCE [-o OUT] [--dtype f32|f16] [--url URL]\n"
     "       zoo convert --raw SOURCE -o OUT\n"
     "  SOURCE: a .pdparams file, an inference tarball (*_infer.tar) or its directory, a\n"
     "  legacy *_pretrained.tar or its directory (format detected from the bytes).\n"
     "  Without -o the file goes to the model cache ($ZOO_HOME, $XDG_CACHE_HOME/zoo or\n"
     "  ~/.cache/zoo)/models/MODEL/MODEL.zoo. --raw keeps the source's tensor names.\n"
     "  --url records where the source came from (provenance metadata).\n",
     zoo_cmd_convert},
    {"infer", "run a model on raw tensors (.npy in, .npy out)",
     "usage: zoo infer MODEL --input X.npy --output Y.npy [--weights FILE | --random-weights SEED]\n"
     "                 [--backend cpu|cpu-ref|vulkan|auto] [--threads N] [--device N]\n"
     "                 [--precision fp32|fp16]\n"
     "  X: N x C x H x W float32 (H, W may differ from the default size). Y: N x classes.\n"
     "  Weights: --weights FILE (native .zoo), else the model cache. --random-weights SEED\n"
     "  uses deterministic synthetic weights (smoke tests, benchmarks).\n"
     "  vulkan: --device N picks a device of 'zoo devices' (default: the best, or\n"
     "  $ZOO_DEVICE), --precision fp16 stores activations and weights in fp16.\n",
     zoo_cmd_infer},
    {"bench", "measure latency, throughput and memory",
     "usage: zoo bench MODEL [--batch 1,4,8] [--backend cpu|cpu-ref|vulkan|auto] [--threads N]\n"
     "                 [--runs N] [--warmup N] [--weights FILE] [--json]\n"
     "                 [--device N] [--precision fp32|fp16]\n"
     "  Warm-up runs, then median and p90 latency per batch size, images/s, the plan's\n"
     "  activation memory and the process's peak RSS. Synthetic weights unless --weights.\n",
     zoo_cmd_bench},
    {"run", "classify images (top-k with labels)",
     "usage: zoo run MODEL IMAGE... [--topk N] [--json] [--backend cpu|cpu-ref] [--threads N]\n"
     "               [--weights FILE] [--batch N]\n"
     "  PNG/JPEG in, PaddleClas preprocessing (resize_short, centre crop, normalize: the\n"
     "  model's manifest), softmax top-k (default 5) with ImageNet class names. Several\n"
     "  images run in batches of --batch (default 16 at a 224 crop, fewer for bigger\n"
     "  inputs). --json: one object per image per\n"
     "  line (file_name, class_ids, scores, label_names). Weights: --weights FILE (native,\n"
     "  or a .pdparams / inference tarball / legacy tarball converted on the fly), else the\n"
     "  model cache ('zoo fetch MODEL'). docs/run.md has the details.\n",
     zoo_cmd_run},
    {"eval", "top-1/top-5 accuracy over a labelled folder",
     "usage: zoo eval MODEL DIR --labels FILE [--limit N] [--batch N] [--json]\n"
     "                [--backend cpu|cpu-ref] [--threads N] [--weights FILE]\n"
     "  FILE: one '<file> <class index>' per line, files relative to DIR. Images are\n"
     "  decoded on a separate thread while the network runs (batch default 8 at a 224\n"
     "  crop, fewer for bigger inputs). Prints\n"
     "  top-1, top-5, the image count and images/s; a progress bar on a terminal.\n",
     zoo_cmd_eval},
    {"fetch", "download, verify and install model weights",
     "usage: zoo fetch MODEL... [--from FILE|URL] [--sha256 HEX] [--kind KIND]\n"
     "                 [--require-pinned] [--force] [--quiet] [--retries N] [--retry-delay S]\n"
     "                 [--connect-timeout S] [--speed-time S] [--speed-limit BYTES]\n"
     "       zoo fetch --all [options]\n"
     "  Downloads the model's source weights (manifest sources in order; $ZOO_MIRROR, a\n"
     "  base URL or a directory laid out like the origin, is tried first), checks the\n"
     "  SHA-256 (the manifest's, else the cache's pin; the first download is pinned),\n"
     "  converts and installs <cache>/models/MODEL/MODEL.zoo atomically. Resumes partial\n"
     "  downloads, retries transient failures. --from: a file or URL you already have.\n"
     "  --sha256: the digest the source must have. --kind: only sources of that kind\n"
     "  (pdparams, paddle-inference-tar). --require-pinned: refuse sources with no\n"
     "  known digest. --force: fetch even if installed. Exit 4: digest mismatch, 5:\n"
     "  network error. docs/fetch.md has the details and the cache layout.\n",
     zoo_cmd_fetch},
    {"verify", "re-check installed weights",
     "usage: zoo verify [MODEL...]\n"
     "  Re-hashes each installed native file (its zoo.digest), checks it holds MODEL and\n"
     "  that its recorded source digest matches the pin / manifest. Without MODEL: every\n"
     "  installed model. Exit 4 if anything is damaged.\n",
     zoo_cmd_verify},
    {"rm", "remove a model from the cache",
     "usage: zoo rm MODEL... [--unpin]\n"
     "  Removes the installed weights and partial downloads. --unpin also forgets the\n"
     "  pinned digests of the model's sources.\n",
     zoo_cmd_rm},
    {"devices", "list the Vulkan devices",
     "usage: zoo devices [--json] [--device N]\n"
     "  Every Vulkan device with what zoo uses: type, fp16 storage and arithmetic,\n"
     "  subgroup size, memory heaps, limits; which device --backend vulkan uses and\n"
     "  what --backend auto picks (a GPU if there is one; lavapipe, a CPU device,\n"
     "  never). Exit 3 when there is no Vulkan loader or device. docs/vulkan.md.\n",
     zoo_cmd_devices},
    {"help", "show help for a command", "usage: zoo help [COMMAND]\n", cmd_help},
    {"version", "print the version", "usage: zoo version   (or zoo --version)\n", cmd_version},
};
#define N_COMMANDS (int)(sizeof commands / sizeof commands[0])

static const char *const usage_text =
    "usage: zoo [--version] [--help] COMMAND [ARGS]\n"
    "\n"
    "zoo runs PaddleClas image classifiers from one C program.\n"
    "\n"
    "commands:\n";

static void print_usage(FILE *f) {
    fputs(usage_text, f);
    for (int i = 0; i < N_COMMANDS; i++) fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("\nenvironment: ZOO_PLUGIN_PATH (extra plugin directories), ZOO_MANIFEST_PATH (extra\n"
          "manifest directories), ZOO_HOME (model cache), ZOO_MIRROR (tried before the origin),\n"
          "ZOO_DEVICE (Vulkan device index), ZOO_VK_VALIDATE=1 (Vulkan validation layer).\n"
          "exit codes: 0 ok, 1 runtime error, 2 invalid input or usage, 3 not found,\n"
          "4 integrity check failed, 5 network error.\n",
          f);
}

static const zoo_cli_cmd *find_cmd(const char *name) {
    for (int i = 0; i < N_COMMANDS; i++)
        if (!strcmp(commands[i].name, name)) return &commands[i];
    return NULL;
}

static int cmd_help(zoo_cli *cli, int argc, char **argv) {
    (void)cli;
    if (argc < 2) {
        print_usage(stdout);
        return 0;
    }
    const zoo_cli_cmd *c = find_cmd(argv[1]);
    if (!c) return zoo_cli_usage_error("help", "unknown command '%s'", argv[1]);
    printf("zoo %s - %s\n%s", c->name, c->summary, c->usage);
    return 0;
}

static int cmd_version(zoo_cli *cli, int argc, char **argv) {
    (void)argc;
    (void)argv;
    printf("zoo %s (plugin ABI %u)\n", zoo_version(), (unsigned)ZOO_PLUGIN_ABI_VERSION);
    for (int i = 0; cli->ctx && i < zoo_ctx_plugin_count(cli->ctx); i++)
        printf("plugin %s: %s\n", zoo_ctx_plugin_name(cli->ctx, i), zoo_ctx_plugin_path(cli->ctx, i));
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        print_usage(stderr);
        return ZOO_ERR_INPUT;
    }
    const char *cmdname = argv[1];
    if (!strcmp(cmdname, "--help") || !strcmp(cmdname, "-h")) cmdname = "help";
    if (!strcmp(cmdname, "--version") || !strcmp(cmdname, "-V")) cmdname = "version";
    const zoo_cli_cmd *cmd = find_cmd(cmdname);
    if (!cmd) {
        fprintf(stderr, "zoo: unknown command '%s' (see 'zoo help')\n", argv[1]);
        return ZOO_ERR_INPUT;
    }
    char exe[PATH_MAX] = ".";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) *slash = '\0';
    }
    char d1[PATH_MAX + 16], d2[PATH_MAX + 32], m1[PATH_MAX + 16], m2[PATH_MAX + 32];
    snprintf(d1, sizeof d1, "%s/plugins", exe);
    snprintf(d2, sizeof d2, "%s/../lib/zoo/plugins", exe);
    snprintf(m1, sizeof m1, "%s/../manifests", exe);
    snprintf(m2, sizeof m2, "%s/../share/zoo/manifests", exe);
    const char *plugin_dirs[] = {d1, d2, ZOO_PREFIX "/lib/zoo/plugins", NULL};
    zoo_cli cli = {0};
    cli.exe_dir = exe;
    cli.manifest_dirs[0] = m1;
    cli.manifest_dirs[1] = m2;
    cli.manifest_dirs[2] = ZOO_PREFIX "/share/zoo/manifests";
    cli.stdout_tty = isatty(1);
    zoo_error e = {0};
    zoo_ctx_opts o = {.plugin_dirs = plugin_dirs};
    cli.ctx = zoo_ctx_new(&o, &e);
    if (!cli.ctx) return zoo_cli_fail(&e);
    if (cmd->run != cmd_help)
        for (int i = 0; i < zoo_ctx_warning_count(cli.ctx); i++)
            fprintf(stderr, "zoo: warning: %s\n", zoo_ctx_warning(cli.ctx, i));
    int rc = cmd->run(&cli, argc - 1, argv + 1);
    zoo_ctx_free(cli.ctx);
    return rc;
}
