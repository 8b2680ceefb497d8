/*
 * peercred: the kernel's credentials of the peer of a connected Unix-domain socket, for Node.js.
 *
 * Node has no API for SO_PEERCRED (socket(7), unix(7)). This N-API addon exposes three functions:
 *   peerCred(fd)      -> { pid, uid, gid, pidfd }   getsockopt(SO_PEERCRED), and SO_PEERPIDFD
 *                        (Linux >= 6.5) when the kernel has it (pidfd -1 otherwise). The credentials are
 *                        the ones the kernel recorded when the peer called connect(); the pidfd refers to
 *                        that very process, so it cannot be confused with a later process given the same pid.
 *   pidfdAlive(pidfd) -> boolean   pidfd_send_signal(pidfd, 0): the process the pidfd refers to still runs
 *                        (so its pid has not been reused).
 *   closeFd(fd)       -> undefined close(2), for the pidfd.
 * N-API is ABI-stable: one build serves Node 20, 22 and 24. Built by scripts/build-native.mjs with the
 * system C compiler; no node-gyp, no download.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <node_api.h>

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_throw_error(env, NULL, message);
  return NULL;
}

static int int_arg(napi_env env, napi_callback_info info, int32_t *out) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return -1;
  if (napi_get_value_int32(env, argv[0], out) != napi_ok) return -1;
  return 0;
}

static void set_int(napi_env env, napi_value obj, const char *name, int64_t value) {
  napi_value v;
  napi_create_int64(env, value, &v);
  napi_set_named_property(env, obj, name, v);
}

static napi_value peer_cred(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (int_arg(env, info, &fd) != 0 || fd < 0) {
    napi_throw_type_error(env, NULL, "peerCred(fd): fd must be a non-negative integer");
    return NULL;
  }
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return throw_errno(env, "getsockopt(SO_PEERCRED)", errno);
  int pidfd = -1;
  socklen_t pidfd_len = sizeof pidfd;
  /* ENOPROTOOPT on kernels before 6.5: then the caller falls back to checking the start time. */
  if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &pidfd_len) != 0) pidfd = -1;
  napi_value result;
  napi_create_object(env, &result);
  set_int(env, result, "pid", cred.pid);
  set_int(env, result, "uid", cred.uid);
  set_int(env, result, "gid", cred.gid);
  set_int(env, result, "pidfd", pidfd);
  return result;
}

static napi_value pidfd_alive(napi_env env, napi_callback_info info) {
  int32_t pidfd;
  if (int_arg(env, info, &pidfd) != 0 || pidfd < 0) {
    napi_throw_type_error(env, NULL, "pidfdAlive(pidfd): pidfd must be a non-negative integer");
    return NULL;
  }
  long rc = syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0);
  napi_value result;
  /* EPERM means the process exists but may not be signalled by us: still alive. */
  napi_get_boolean(env, rc == 0 || errno == EPERM, &result);
  return result;
}

static napi_value close_fd(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (int_arg(env, info, &fd) != 0 || fd < 0) {
    napi_throw_type_error(env, NULL, "closeFd(fd): fd must be a non-negative integer");
    return NULL;
  }
  close(fd);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "peerCred", NULL, peer_cred, NULL, NULL, NULL, napi_default, NULL },
    { "pidfdAlive", NULL, pidfd_alive, NULL, NULL, NULL, napi_default, NULL },
    { "closeFd", NULL, close_fd, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
