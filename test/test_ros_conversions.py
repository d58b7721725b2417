# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Image <-> numpy: round trips for every encoding, padding, and named errors."""
import numpy as np
import pytest

pytest.importorskip('sensor_msgs.msg')
from fast_lewm_ros.ros.conversions import image_to_numpy, numpy_to_image  # noqa: E402

RNG = np.random.default_rng(0)
RGB = RNG.integers(0, 256, size=(5, 7, 3), dtype=np.uint8)


@pytest.mark.parametrize('encoding', ['rgb8', 'bgr8', 'rgba8', 'bgra8'])
def test_colour_round_trip(encoding):
    msg = numpy_to_image(RGB, encoding=encoding, frame_id='cam')
    assert msg.encoding == encoding and msg.header.frame_id == 'cam'
    assert (msg.height, msg.width) == (5, 7)
    np.testing.assert_array_equal(image_to_numpy(msg), RGB)


def test_bgr_byte_order_is_swapped():
    msg = numpy_to_image(RGB, encoding='bgr8')
    raw = np.frombuffer(bytes(msg.data), np.uint8).reshape(5, 7, 3)
    np.testing.assert_array_equal(raw, RGB[:, :, ::-1])


def test_mono8_becomes_grey_rgb():
    grey = RNG.integers(0, 256, size=(4, 6), dtype=np.uint8)
    out = image_to_numpy(numpy_to_image(grey, encoding='mono8'))
    assert out.shape == (4, 6, 3)
    for c in range(3):
        np.testing.assert_array_equal(out[:, :, c], grey)


def test_row_padding_is_skipped():
    msg = numpy_to_image(RGB)
    padded = np.zeros((5, 7 * 3 + 11), np.uint8)
    padded[:, :21] = RGB.reshape(5, 21)
    padded[:, 21:] = 99  # padding bytes must never leak into the image
    msg.step = padded.shape[1]
    msg.data = padded.tobytes()
    np.testing.assert_array_equal(image_to_numpy(msg), RGB)


def test_big_endian_flag_does_not_change_8bit_data():
    msg = numpy_to_image(RGB)
    msg.is_bigendian = 1
    np.testing.assert_array_equal(image_to_numpy(msg), RGB)


def _bad(field, value):
    msg = numpy_to_image(RGB)
    setattr(msg, field, value)
    return msg


@pytest.mark.parametrize('field,value,expected', [
    ('encoding', '16UC1', 'Image.encoding'),
    ('encoding', 'yuv422', 'Image.encoding'),
    ('height', 0, 'Image.height'),
    ('height', 6, 'Image.data'),  # data too short for the claimed height
    ('width', 0, 'Image.width'),
    ('width', 8, 'Image.step'),  # step no longer covers width x channels
    ('step', 20, 'Image.step'),
    ('step', 22, 'Image.data'),
    ('is_bigendian', 2, 'Image.is_bigendian'),
    ('data', bytes(5 * 21 - 1), 'Image.data'),  # truncated
    ('data', bytes(5 * 21 + 3), 'Image.data'),
])
def test_malformed_field_is_named(field, value, expected):
    with pytest.raises(ValueError, match=expected.replace('.', r'\.')):
        image_to_numpy(_bad(field, value))


def test_error_states_the_expected_value():
    with pytest.raises(ValueError, match=r'expected height x step = 5 x 21 = 105'):
        image_to_numpy(_bad('data', bytes(104)))


@pytest.mark.parametrize('array,encoding', [
    (RGB.astype(np.float32), 'rgb8'),
    (RGB[:, :, :2], 'rgb8'),
    (RGB, 'rgb16'),
])
def test_numpy_to_image_rejects_bad_arrays(array, encoding):
    with pytest.raises(ValueError):
        numpy_to_image(array, encoding=encoding)
