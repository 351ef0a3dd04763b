from ml.layout.geometry import (
    bounding_box,
    box_area,
    box_intersection,
    box_iou,
    box_mostly_inside,
    box_polygon,
    boxes_overlap,
    boxes_share_half,
)


def test_a_polygons_box_and_the_box_as_a_polygon():
    assert bounding_box([(5, 9), (1, 3), (4, 12)]) == (1, 3, 5, 12)
    assert box_polygon((1, 3, 5, 12)) == [(1, 3), (5, 3), (5, 12), (1, 12)]


def test_boxes_that_only_touch_do_not_overlap():
    assert box_intersection((0, 0, 10, 10), (10, 0, 20, 10)) == 0 and not boxes_overlap((0, 0, 10, 10), (10, 0, 20, 10))
    assert box_intersection((0, 0, 10, 10), (5, 5, 20, 20)) == 25 and boxes_overlap((0, 0, 10, 10), (5, 5, 20, 20))


def test_iou_of_boxes():
    assert box_iou((0, 0, 10, 10), (5, 0, 15, 10)) == 50 / 150
    assert box_iou((0, 0, 0, 0), (0, 0, 0, 0)) == 0.0 and box_area((3, 3, 1, 1)) == 0


def test_half_inside_and_half_of_the_smaller_shared():
    assert box_mostly_inside((0, 0, 10, 10), (5, 0, 30, 30)) and not box_mostly_inside((0, 0, 10, 10), (6, 0, 30, 30))
    assert boxes_share_half((0, 0, 10, 10), (5, 0, 100, 100)) and not boxes_share_half((0, 0, 10, 10), (6, 0, 100, 100))
