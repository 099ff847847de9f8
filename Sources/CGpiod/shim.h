// libgpiod's C API as HoistWatchBoard calls it, declared here instead of taken from <gpiod.h>: the library is
// loaded at run time (dlopen: libgpiod.so.3, the v2 API of Debian trixie, else libgpiod.so.2, the v1 API of
// bookworm), so one binary serves both and the build needs no libgpiod-dev. Only what HoistWatchBoard uses is
// here, with the real names, values and layouts; the function types are typedefs (`hw_gpiod1_*_fn`,
// `hw_gpiod2_*_fn`) that the Swift tables of function pointers use. scripts/gpiod-abi-check.sh compiles these
// declarations against each version's real header (every function assigned to its typedef with -Werror, every
// constant, size and offset compared), so a difference is a build failure there, not a crash on a board.
//
// HW_GPIOD_CHECK_V1 / HW_GPIOD_CHECK_V2: set by that check after including the real header of that version, so
// the types come from it and only the typedefs are ours. Nothing else sets them.
#ifndef HOISTWATCH_CGPIOD_SHIM_H
#define HOISTWATCH_CGPIOD_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <poll.h>
#include <time.h>

/// ppoll(2) for `count` descriptors, at most `timeout_ns` (negative: no limit): not libgpiod's, but the wait the
/// GPIO reader does on the descriptors libgpiod gives (`gpiod_line_event_get_fd`, `gpiod_line_request_get_fd`) and
/// its own wake-up, so it goes through the same table and a fake can run its virtual clock in it.
typedef int (*hw_poll_ns_fn)(struct pollfd *fds, unsigned long count, int64_t timeout_ns);

// ---- libgpiod v1 (1.6: soname libgpiod.so.2) ----
#ifndef HW_GPIOD_CHECK_V2

struct gpiod_chip;
struct gpiod_line;
struct gpiod_chip_iter;

#ifndef HW_GPIOD_CHECK_V1
#define GPIOD_LINE_BULK_MAX_LINES 64

struct gpiod_line_bulk {
    struct gpiod_line *lines[GPIOD_LINE_BULK_MAX_LINES];
    unsigned int num_lines;
};

enum {
    GPIOD_LINE_REQUEST_DIRECTION_AS_IS = 1,
    GPIOD_LINE_REQUEST_DIRECTION_INPUT,
    GPIOD_LINE_REQUEST_DIRECTION_OUTPUT,
    GPIOD_LINE_REQUEST_EVENT_FALLING_EDGE,
    GPIOD_LINE_REQUEST_EVENT_RISING_EDGE,
    GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES,
};

enum {
    GPIOD_LINE_REQUEST_FLAG_OPEN_DRAIN = 1UL << 0,
    GPIOD_LINE_REQUEST_FLAG_OPEN_SOURCE = 1UL << 1,
    GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW = 1UL << 2,
    GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE = 1UL << 3,
    GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN = 1UL << 4,
    GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP = 1UL << 5,
};

struct gpiod_line_request_config {
    const char *consumer;
    int request_type;
    int flags;
};

enum {
    GPIOD_LINE_EVENT_RISING_EDGE = 1,
    GPIOD_LINE_EVENT_FALLING_EDGE,
};

struct gpiod_line_event {
    struct timespec ts;
    int event_type;
};

// Static inline in libgpiod 1.6's header too: they are not in the library.
static inline void gpiod_line_bulk_init(struct gpiod_line_bulk *bulk) { bulk->num_lines = 0; }

static inline void gpiod_line_bulk_add(struct gpiod_line_bulk *bulk, struct gpiod_line *line) {
    bulk->lines[bulk->num_lines++] = line;
}

static inline struct gpiod_line *gpiod_line_bulk_get_line(struct gpiod_line_bulk *bulk, unsigned int offset) {
    return bulk->lines[offset];
}

static inline unsigned int gpiod_line_bulk_num_lines(struct gpiod_line_bulk *bulk) { return bulk->num_lines; }
#endif // HW_GPIOD_CHECK_V1

typedef struct gpiod_chip *(*hw_gpiod1_chip_open_by_label_fn)(const char *label);
typedef struct gpiod_chip *(*hw_gpiod1_chip_open_fn)(const char *path);
typedef void (*hw_gpiod1_chip_close_fn)(struct gpiod_chip *chip);
typedef const char *(*hw_gpiod1_chip_name_fn)(struct gpiod_chip *chip);
typedef const char *(*hw_gpiod1_chip_label_fn)(struct gpiod_chip *chip);
typedef unsigned int (*hw_gpiod1_chip_num_lines_fn)(struct gpiod_chip *chip);
typedef struct gpiod_line *(*hw_gpiod1_chip_get_line_fn)(struct gpiod_chip *chip, unsigned int offset);
typedef int (*hw_gpiod1_line_request_bulk_fn)(struct gpiod_line_bulk *bulk,
                                              const struct gpiod_line_request_config *config,
                                              const int *default_vals);
typedef void (*hw_gpiod1_line_release_bulk_fn)(struct gpiod_line_bulk *bulk);
typedef int (*hw_gpiod1_line_event_wait_bulk_fn)(struct gpiod_line_bulk *bulk, const struct timespec *timeout,
                                                 struct gpiod_line_bulk *event_bulk);
typedef int (*hw_gpiod1_line_event_read_multiple_fn)(struct gpiod_line *line, struct gpiod_line_event *events,
                                                     unsigned int num_events);
typedef int (*hw_gpiod1_line_get_value_bulk_fn)(struct gpiod_line_bulk *bulk, int *values);
typedef int (*hw_gpiod1_line_event_get_fd_fn)(struct gpiod_line *line);
typedef int (*hw_gpiod1_line_get_value_fn)(struct gpiod_line *line);
typedef int (*hw_gpiod1_line_set_value_fn)(struct gpiod_line *line, int value);
typedef struct gpiod_chip_iter *(*hw_gpiod1_chip_iter_new_fn)(void);
typedef struct gpiod_chip *(*hw_gpiod1_chip_iter_next_fn)(struct gpiod_chip_iter *iter);
typedef void (*hw_gpiod1_chip_iter_free_fn)(struct gpiod_chip_iter *iter);
typedef const char *(*hw_gpiod1_version_string_fn)(void);

#endif // !HW_GPIOD_CHECK_V2

// ---- libgpiod v2 (2.x: soname libgpiod.so.3) ----
#ifndef HW_GPIOD_CHECK_V1

struct gpiod_chip;
struct gpiod_chip_info;
struct gpiod_line_settings;
struct gpiod_line_config;
struct gpiod_request_config;
struct gpiod_line_request;
struct gpiod_edge_event;
struct gpiod_edge_event_buffer;

#ifndef HW_GPIOD_CHECK_V2
enum gpiod_line_value {
    GPIOD_LINE_VALUE_ERROR = -1,
    GPIOD_LINE_VALUE_INACTIVE = 0,
    GPIOD_LINE_VALUE_ACTIVE = 1,
};

enum gpiod_line_direction {
    GPIOD_LINE_DIRECTION_AS_IS = 1,
    GPIOD_LINE_DIRECTION_INPUT,
    GPIOD_LINE_DIRECTION_OUTPUT,
};

enum gpiod_line_edge {
    GPIOD_LINE_EDGE_NONE = 1,
    GPIOD_LINE_EDGE_RISING,
    GPIOD_LINE_EDGE_FALLING,
    GPIOD_LINE_EDGE_BOTH,
};

enum gpiod_line_bias {
    GPIOD_LINE_BIAS_AS_IS = 1,
    GPIOD_LINE_BIAS_UNKNOWN,
    GPIOD_LINE_BIAS_DISABLED,
    GPIOD_LINE_BIAS_PULL_UP,
    GPIOD_LINE_BIAS_PULL_DOWN,
};

enum gpiod_line_clock {
    GPIOD_LINE_CLOCK_MONOTONIC = 1,
    GPIOD_LINE_CLOCK_REALTIME,
    GPIOD_LINE_CLOCK_HTE,
};

enum gpiod_edge_event_type {
    GPIOD_EDGE_EVENT_RISING_EDGE = 1,
    GPIOD_EDGE_EVENT_FALLING_EDGE,
};
#endif // HW_GPIOD_CHECK_V2

typedef struct gpiod_chip *(*hw_gpiod2_chip_open_fn)(const char *path);
typedef void (*hw_gpiod2_chip_close_fn)(struct gpiod_chip *chip);
typedef struct gpiod_chip_info *(*hw_gpiod2_chip_get_info_fn)(struct gpiod_chip *chip);
typedef void (*hw_gpiod2_chip_info_free_fn)(struct gpiod_chip_info *info);
typedef const char *(*hw_gpiod2_chip_info_get_name_fn)(struct gpiod_chip_info *info);
typedef const char *(*hw_gpiod2_chip_info_get_label_fn)(struct gpiod_chip_info *info);
typedef size_t (*hw_gpiod2_chip_info_get_num_lines_fn)(struct gpiod_chip_info *info);
typedef struct gpiod_line_request *(*hw_gpiod2_chip_request_lines_fn)(struct gpiod_chip *chip,
                                                                      struct gpiod_request_config *req_cfg,
                                                                      struct gpiod_line_config *line_cfg);
typedef bool (*hw_gpiod2_is_gpiochip_device_fn)(const char *path);
typedef const char *(*hw_gpiod2_api_version_fn)(void);

typedef struct gpiod_line_settings *(*hw_gpiod2_line_settings_new_fn)(void);
typedef void (*hw_gpiod2_line_settings_free_fn)(struct gpiod_line_settings *settings);
typedef int (*hw_gpiod2_line_settings_set_direction_fn)(struct gpiod_line_settings *settings,
                                                        enum gpiod_line_direction direction);
typedef int (*hw_gpiod2_line_settings_set_edge_detection_fn)(struct gpiod_line_settings *settings,
                                                             enum gpiod_line_edge edge);
typedef int (*hw_gpiod2_line_settings_set_bias_fn)(struct gpiod_line_settings *settings, enum gpiod_line_bias bias);
typedef void (*hw_gpiod2_line_settings_set_active_low_fn)(struct gpiod_line_settings *settings, bool active_low);
typedef int (*hw_gpiod2_line_settings_set_event_clock_fn)(struct gpiod_line_settings *settings,
                                                          enum gpiod_line_clock event_clock);
typedef int (*hw_gpiod2_line_settings_set_output_value_fn)(struct gpiod_line_settings *settings,
                                                           enum gpiod_line_value value);

typedef struct gpiod_line_config *(*hw_gpiod2_line_config_new_fn)(void);
typedef void (*hw_gpiod2_line_config_free_fn)(struct gpiod_line_config *config);
typedef int (*hw_gpiod2_line_config_add_line_settings_fn)(struct gpiod_line_config *config,
                                                          const unsigned int *offsets, size_t num_offsets,
                                                          struct gpiod_line_settings *settings);

typedef struct gpiod_request_config *(*hw_gpiod2_request_config_new_fn)(void);
typedef void (*hw_gpiod2_request_config_free_fn)(struct gpiod_request_config *config);
typedef void (*hw_gpiod2_request_config_set_consumer_fn)(struct gpiod_request_config *config, const char *consumer);
typedef void (*hw_gpiod2_request_config_set_event_buffer_size_fn)(struct gpiod_request_config *config,
                                                                  size_t event_buffer_size);

typedef void (*hw_gpiod2_line_request_release_fn)(struct gpiod_line_request *request);
typedef enum gpiod_line_value (*hw_gpiod2_line_request_get_value_fn)(struct gpiod_line_request *request,
                                                                     unsigned int offset);
typedef int (*hw_gpiod2_line_request_get_values_subset_fn)(struct gpiod_line_request *request, size_t num_values,
                                                           const unsigned int *offsets,
                                                           enum gpiod_line_value *values);
typedef int (*hw_gpiod2_line_request_set_value_fn)(struct gpiod_line_request *request, unsigned int offset,
                                                   enum gpiod_line_value value);
typedef int (*hw_gpiod2_line_request_wait_edge_events_fn)(struct gpiod_line_request *request, int64_t timeout_ns);
typedef int (*hw_gpiod2_line_request_get_fd_fn)(struct gpiod_line_request *request);
typedef int (*hw_gpiod2_line_request_read_edge_events_fn)(struct gpiod_line_request *request,
                                                          struct gpiod_edge_event_buffer *buffer, size_t max_events);

typedef struct gpiod_edge_event_buffer *(*hw_gpiod2_edge_event_buffer_new_fn)(size_t capacity);
typedef void (*hw_gpiod2_edge_event_buffer_free_fn)(struct gpiod_edge_event_buffer *buffer);
typedef struct gpiod_edge_event *(*hw_gpiod2_edge_event_buffer_get_event_fn)(struct gpiod_edge_event_buffer *buffer,
                                                                             unsigned long index);
typedef enum gpiod_edge_event_type (*hw_gpiod2_edge_event_get_event_type_fn)(struct gpiod_edge_event *event);
typedef uint64_t (*hw_gpiod2_edge_event_get_timestamp_ns_fn)(struct gpiod_edge_event *event);
typedef unsigned int (*hw_gpiod2_edge_event_get_line_offset_fn)(struct gpiod_edge_event *event);
typedef unsigned long (*hw_gpiod2_edge_event_get_global_seqno_fn)(struct gpiod_edge_event *event);
typedef unsigned long (*hw_gpiod2_edge_event_get_line_seqno_fn)(struct gpiod_edge_event *event);

#endif // !HW_GPIOD_CHECK_V1

#endif // HOISTWATCH_CGPIOD_SHIM_H
