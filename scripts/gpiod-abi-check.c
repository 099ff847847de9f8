// Compares Sources/CGpiod/shim.h, HoistWatch's own declarations of libgpiod (loaded at run time), with a real
// <gpiod.h> (scripts/gpiod-abi-check.sh builds this three ways). With HW_REAL_HEADER the real header comes first:
// its version's types are the real ones, and every function HoistWatch calls is assigned to shim.h's typedef for
// it, which -Werror turns into a build failure when a signature differs. Either way the program prints the
// constants, sizes and offsets it sees; the script compares the two prints.
#ifdef HW_REAL_HEADER
#include <gpiod.h>
#ifdef GPIOD_LINE_BULK_MAX_LINES
#define HW_GPIOD_CHECK_V1 1
#else
#define HW_GPIOD_CHECK_V2 1
#endif
#endif

#include "shim.h"

#include <stddef.h>
#include <stdio.h>

#define VALUE(name) printf("%s %s %lld\n", VERSION_TAG, #name, (long long)(name))

#if defined(HW_GPIOD_CHECK_V1)
static const hw_gpiod1_chip_open_by_label_fn check_open_by_label = gpiod_chip_open_by_label;
static const hw_gpiod1_chip_open_fn check_open = gpiod_chip_open;
static const hw_gpiod1_chip_close_fn check_close = gpiod_chip_close;
static const hw_gpiod1_chip_name_fn check_name = gpiod_chip_name;
static const hw_gpiod1_chip_label_fn check_label = gpiod_chip_label;
static const hw_gpiod1_chip_num_lines_fn check_num_lines = gpiod_chip_num_lines;
static const hw_gpiod1_chip_get_line_fn check_get_line = gpiod_chip_get_line;
static const hw_gpiod1_line_request_bulk_fn check_request_bulk = gpiod_line_request_bulk;
static const hw_gpiod1_line_release_bulk_fn check_release_bulk = gpiod_line_release_bulk;
static const hw_gpiod1_line_event_wait_bulk_fn check_wait_bulk = gpiod_line_event_wait_bulk;
static const hw_gpiod1_line_event_read_multiple_fn check_read_multiple = gpiod_line_event_read_multiple;
static const hw_gpiod1_line_get_value_bulk_fn check_get_value_bulk = gpiod_line_get_value_bulk;
static const hw_gpiod1_line_event_get_fd_fn check_event_get_fd = gpiod_line_event_get_fd;
static const hw_gpiod1_line_get_value_fn check_get_value = gpiod_line_get_value;
static const hw_gpiod1_line_set_value_fn check_set_value = gpiod_line_set_value;
static const hw_gpiod1_chip_iter_new_fn check_iter_new = gpiod_chip_iter_new;
static const hw_gpiod1_chip_iter_next_fn check_iter_next = gpiod_chip_iter_next;
static const hw_gpiod1_chip_iter_free_fn check_iter_free = gpiod_chip_iter_free;
static const hw_gpiod1_version_string_fn check_version = gpiod_version_string;
#endif

#if defined(HW_GPIOD_CHECK_V2)
static const hw_gpiod2_chip_open_fn check_open = gpiod_chip_open;
static const hw_gpiod2_chip_close_fn check_close = gpiod_chip_close;
static const hw_gpiod2_chip_get_info_fn check_get_info = gpiod_chip_get_info;
static const hw_gpiod2_chip_info_free_fn check_info_free = gpiod_chip_info_free;
static const hw_gpiod2_chip_info_get_name_fn check_info_name = gpiod_chip_info_get_name;
static const hw_gpiod2_chip_info_get_label_fn check_info_label = gpiod_chip_info_get_label;
static const hw_gpiod2_chip_info_get_num_lines_fn check_info_num_lines = gpiod_chip_info_get_num_lines;
static const hw_gpiod2_chip_request_lines_fn check_request_lines = gpiod_chip_request_lines;
static const hw_gpiod2_is_gpiochip_device_fn check_is_gpiochip = gpiod_is_gpiochip_device;
static const hw_gpiod2_api_version_fn check_api_version = gpiod_api_version;
static const hw_gpiod2_line_settings_new_fn check_settings_new = gpiod_line_settings_new;
static const hw_gpiod2_line_settings_free_fn check_settings_free = gpiod_line_settings_free;
static const hw_gpiod2_line_settings_set_direction_fn check_direction = gpiod_line_settings_set_direction;
static const hw_gpiod2_line_settings_set_edge_detection_fn check_edge = gpiod_line_settings_set_edge_detection;
static const hw_gpiod2_line_settings_set_bias_fn check_bias = gpiod_line_settings_set_bias;
static const hw_gpiod2_line_settings_set_active_low_fn check_active_low = gpiod_line_settings_set_active_low;
static const hw_gpiod2_line_settings_set_event_clock_fn check_clock = gpiod_line_settings_set_event_clock;
static const hw_gpiod2_line_settings_set_output_value_fn check_output = gpiod_line_settings_set_output_value;
static const hw_gpiod2_line_config_new_fn check_config_new = gpiod_line_config_new;
static const hw_gpiod2_line_config_free_fn check_config_free = gpiod_line_config_free;
static const hw_gpiod2_line_config_add_line_settings_fn check_add = gpiod_line_config_add_line_settings;
static const hw_gpiod2_request_config_new_fn check_request_config_new = gpiod_request_config_new;
static const hw_gpiod2_request_config_free_fn check_request_config_free = gpiod_request_config_free;
static const hw_gpiod2_request_config_set_consumer_fn check_consumer = gpiod_request_config_set_consumer;
static const hw_gpiod2_request_config_set_event_buffer_size_fn check_buffer_size =
    gpiod_request_config_set_event_buffer_size;
static const hw_gpiod2_line_request_release_fn check_release = gpiod_line_request_release;
static const hw_gpiod2_line_request_get_value_fn check_get_value = gpiod_line_request_get_value;
static const hw_gpiod2_line_request_get_values_subset_fn check_get_values = gpiod_line_request_get_values_subset;
static const hw_gpiod2_line_request_set_value_fn check_set_value = gpiod_line_request_set_value;
static const hw_gpiod2_line_request_wait_edge_events_fn check_wait = gpiod_line_request_wait_edge_events;
static const hw_gpiod2_line_request_get_fd_fn check_get_fd = gpiod_line_request_get_fd;
static const hw_gpiod2_line_request_read_edge_events_fn check_read = gpiod_line_request_read_edge_events;
static const hw_gpiod2_edge_event_buffer_new_fn check_buffer_new = gpiod_edge_event_buffer_new;
static const hw_gpiod2_edge_event_buffer_free_fn check_buffer_free = gpiod_edge_event_buffer_free;
static const hw_gpiod2_edge_event_buffer_get_event_fn check_get_event = gpiod_edge_event_buffer_get_event;
static const hw_gpiod2_edge_event_get_event_type_fn check_event_type = gpiod_edge_event_get_event_type;
static const hw_gpiod2_edge_event_get_timestamp_ns_fn check_timestamp = gpiod_edge_event_get_timestamp_ns;
static const hw_gpiod2_edge_event_get_line_offset_fn check_offset = gpiod_edge_event_get_line_offset;
static const hw_gpiod2_edge_event_get_global_seqno_fn check_global_seqno = gpiod_edge_event_get_global_seqno;
static const hw_gpiod2_edge_event_get_line_seqno_fn check_line_seqno = gpiod_edge_event_get_line_seqno;
#endif

int main(void) {
#ifndef HW_GPIOD_CHECK_V2
#define VERSION_TAG "v1"
    VALUE(GPIOD_LINE_BULK_MAX_LINES);
    VALUE(sizeof(struct gpiod_line_bulk));
    VALUE(offsetof(struct gpiod_line_bulk, num_lines));
    VALUE(sizeof(struct gpiod_line_request_config));
    VALUE(offsetof(struct gpiod_line_request_config, consumer));
    VALUE(offsetof(struct gpiod_line_request_config, request_type));
    VALUE(offsetof(struct gpiod_line_request_config, flags));
    VALUE(sizeof(struct gpiod_line_event));
    VALUE(offsetof(struct gpiod_line_event, ts));
    VALUE(offsetof(struct gpiod_line_event, event_type));
    VALUE(GPIOD_LINE_REQUEST_DIRECTION_AS_IS);
    VALUE(GPIOD_LINE_REQUEST_DIRECTION_INPUT);
    VALUE(GPIOD_LINE_REQUEST_DIRECTION_OUTPUT);
    VALUE(GPIOD_LINE_REQUEST_EVENT_FALLING_EDGE);
    VALUE(GPIOD_LINE_REQUEST_EVENT_RISING_EDGE);
    VALUE(GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES);
    VALUE(GPIOD_LINE_REQUEST_FLAG_OPEN_DRAIN);
    VALUE(GPIOD_LINE_REQUEST_FLAG_OPEN_SOURCE);
    VALUE(GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW);
    VALUE(GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE);
    VALUE(GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN);
    VALUE(GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP);
    VALUE(GPIOD_LINE_EVENT_RISING_EDGE);
    VALUE(GPIOD_LINE_EVENT_FALLING_EDGE);
#undef VERSION_TAG
#endif
#ifndef HW_GPIOD_CHECK_V1
#define VERSION_TAG "v2"
    VALUE(sizeof(enum gpiod_line_value));
    VALUE(GPIOD_LINE_VALUE_ERROR);
    VALUE(GPIOD_LINE_VALUE_INACTIVE);
    VALUE(GPIOD_LINE_VALUE_ACTIVE);
    VALUE(sizeof(enum gpiod_line_direction));
    VALUE(GPIOD_LINE_DIRECTION_AS_IS);
    VALUE(GPIOD_LINE_DIRECTION_INPUT);
    VALUE(GPIOD_LINE_DIRECTION_OUTPUT);
    VALUE(GPIOD_LINE_EDGE_NONE);
    VALUE(GPIOD_LINE_EDGE_RISING);
    VALUE(GPIOD_LINE_EDGE_FALLING);
    VALUE(GPIOD_LINE_EDGE_BOTH);
    VALUE(GPIOD_LINE_BIAS_AS_IS);
    VALUE(GPIOD_LINE_BIAS_UNKNOWN);
    VALUE(GPIOD_LINE_BIAS_DISABLED);
    VALUE(GPIOD_LINE_BIAS_PULL_UP);
    VALUE(GPIOD_LINE_BIAS_PULL_DOWN);
    VALUE(GPIOD_LINE_CLOCK_MONOTONIC);
    VALUE(GPIOD_LINE_CLOCK_REALTIME);
    VALUE(GPIOD_LINE_CLOCK_HTE);
    VALUE(GPIOD_EDGE_EVENT_RISING_EDGE);
    VALUE(GPIOD_EDGE_EVENT_FALLING_EDGE);
#undef VERSION_TAG
#endif
    return 0;
}
