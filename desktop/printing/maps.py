"""Maps drawn from the town's own street centerlines, on paper (a reportlab Flowable: a work
order's corner, a run sheet's overview, a whole page for `frontcounter map`) and as a PNG
(Pillow), from the same projection: longitude scaled by the cosine of the latitude, so a
block is as wide as it is long. No tiles and no network.

Thousands of requests at one spot do not pile into a blot: points are drawn small and
translucent, so a hot spot darkens where requests gather.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib import colors
from reportlab.lib.pagesizes import landscape
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from desktop.i18n import _
from desktop.printing.data import MapData, PageSetup
from desktop.printing.fonts import FONT as REGULAR
from desktop.printing.fonts import FONT_BOLD as BOLD
from desktop.printing.fonts import register_fonts
from desktop.printing.styles import page_size
from desktop.resources import resource_path

#: the streets' colour, the marked spot's, and a numbered stop's
STREET = "#8a8a8a"
MARK = "#c62828"
STOP = "#111111"

Project = Callable[[float, float], tuple[float, float]]


def projection(data: MapData, width: float, height: float, margin: float = 6.0) -> Project:
    """(lat, long) -> (x, y) in a width x height box, y upwards, the box's middle kept."""
    south, west, north, east = data.box
    middle = math.radians((south + north) / 2)
    across = max((east - west) * math.cos(middle), 1e-9)
    tall = max(north - south, 1e-9)
    scale = min((width - 2 * margin) / across, (height - 2 * margin) / tall)
    x0 = (width - across * scale) / 2
    y0 = (height - tall * scale) / 2

    def project(lat: float, long: float) -> tuple[float, float]:
        return x0 + (long - west) * math.cos(middle) * scale, y0 + (lat - south) * scale

    return project


def _clear_labels(
    data: MapData, project: Project, size: float, flip: Callable[[float], float] = lambda y: y
) -> list[tuple[str, float, float]]:
    """The street names that fit without running over one another (in the order given: the
    longest streets first)."""
    placed: list[tuple[float, float, float, float]] = []
    kept = []
    for text, lat, long in data.labels:
        x, y = project(lat, long)
        y = flip(y)
        box = (x, y - size, x + 0.56 * size * len(text), y + size * 0.3)
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
            continue
        placed.append(box)
        kept.append((text, lat, long))
    return kept[:60]


def _radius(points: int) -> float:
    """Smaller dots the more there are, so a month of a city's requests stays readable."""
    if points <= 50:
        return 3.2
    if points <= 2000:
        return 2.0
    return 1.1


class MapFlowable(Flowable):
    """The map in a width x height box of a printed page."""

    def __init__(self, data: MapData, width: float, height: float) -> None:
        super().__init__()
        self.data, self.width, self.height = data, width, height

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        draw_on_canvas(self.canv, self.data, 0, 0, self.width, self.height)


def draw_on_canvas(
    canvas: Canvas, data: MapData, x: float, y: float, width: float, height: float
) -> None:
    register_fonts()
    project = projection(data, width, height)
    canvas.saveState()
    canvas.translate(x, y)
    canvas.setStrokeColor(colors.black)
    canvas.setLineWidth(0.6)
    canvas.rect(0, 0, width, height)
    path = canvas.beginPath()
    path.rect(0, 0, width, height)
    canvas.clipPath(path, stroke=0, fill=0)
    canvas.setStrokeColor(colors.HexColor(STREET))
    canvas.setLineWidth(0.9)
    for line in data.lines:
        vertices = [project(lat, long) for lat, long in line]
        if len(vertices) < 2:
            continue
        drawn = canvas.beginPath()
        drawn.moveTo(*vertices[0])
        for vertex in vertices[1:]:
            drawn.lineTo(*vertex)
        canvas.drawPath(drawn, stroke=1, fill=0)
    canvas.setFillColor(colors.HexColor("#444444"))
    canvas.setFont(REGULAR, 6.5)
    for text, lat, long in _clear_labels(data, project, 6.5):
        canvas.drawString(*project(lat, long), text[:40])
    radius = _radius(len(data.points))
    translucent = len(data.points) > 200
    by_colour: dict[str, list[tuple[float, float]]] = {}
    for point in data.points:  # one path a colour: 45,000 dots in a fraction of a second
        if point.number is None:
            by_colour.setdefault(point.colour, []).append(project(point.lat, point.long))
    for colour_code, spots in by_colour.items():
        colour = colors.HexColor(colour_code)
        if translucent:
            colour = colors.Color(colour.red, colour.green, colour.blue, alpha=0.45)
        canvas.setFillColor(colour)
        dots = canvas.beginPath()
        if len(data.points) > 2000:  # a dot a point across: a square is as round on paper
            side = 2 * radius
            for px, py in spots:
                dots.rect(px - radius, py - radius, side, side)
        else:
            for px, py in spots:
                dots.circle(px, py, radius)
        canvas.drawPath(dots, stroke=0, fill=1)
    for point in data.points:
        if point.number is None:
            continue
        px, py = project(point.lat, point.long)
        canvas.setFillColor(colors.HexColor(point.colour))
        canvas.circle(px, py, 6.5, stroke=0, fill=1)
        canvas.setFillColor(colors.white)
        canvas.setFont(BOLD, 7)
        canvas.drawCentredString(px, py - 2.4, str(point.number))
    if data.depot is not None:
        dx, dy = project(*data.depot)
        canvas.setFillColor(colors.HexColor(STOP))
        canvas.rect(dx - 4, dy - 4, 8, 8, stroke=0, fill=1)
    if data.marked is not None:
        mx, my = project(*data.marked)
        canvas.setStrokeColor(colors.HexColor(MARK))
        canvas.setLineWidth(2)
        canvas.circle(mx, my, 9, stroke=1, fill=0)
        canvas.line(mx - 13, my, mx - 4, my)
        canvas.line(mx + 4, my, mx + 13, my)
        canvas.line(mx, my - 13, mx, my - 4)
        canvas.line(mx, my + 4, mx, my + 13)
    canvas.restoreState()
    _scale_bar(canvas, data, x, y, width, project)


def _scale_bar(
    canvas: Canvas, data: MapData, x: float, y: float, width: float, project: Project
) -> None:
    """A bar of a round number of metres in the corner, so a crew can judge distances."""
    south, west, _north, _east = data.box
    metres_per_point = _metres_across(data) / max(
        project(south, data.box[3])[0] - project(south, west)[0], 1e-9
    )
    goal = metres_per_point * width / 5
    nice = min((10**k * m for k in range(0, 6) for m in (1, 2, 5)), key=lambda v: abs(v - goal))
    length = nice / metres_per_point
    canvas.saveState()
    canvas.setStrokeColor(colors.black)
    canvas.setLineWidth(1.4)
    canvas.line(x + 8, y + 8, x + 8 + length, y + 8)
    canvas.setFont(REGULAR, 6.5)
    label = f"{nice / 1000:g} km" if nice >= 1000 else f"{nice:g} m"
    canvas.drawString(x + 10 + length, y + 6, label)
    canvas.restoreState()


def _metres_across(data: MapData) -> float:
    south, west, north, east = data.box
    middle = math.radians((south + north) / 2)
    return max((east - west) * math.cos(middle) * 111_320.0, 1e-6)


def build_map_pdf(data: MapData, setup: PageSetup) -> bytes:
    """One landscape page: the title, the map, its legend."""
    out = io.BytesIO()
    register_fonts()
    size = landscape(page_size(setup.paper))
    canvas = Canvas(out, pagesize=size, pageCompression=1, invariant=1)
    canvas.setTitle(data.title or _("Map"))
    margin = 36.0
    canvas.setFont(BOLD, 15)
    canvas.drawString(margin, size[1] - margin - 6, data.title[:120])
    canvas.setFont(REGULAR, 9.5)
    canvas.drawString(margin, size[1] - margin - 20, data.subtitle[:200])
    top = size[1] - margin - 30
    legend_height = 16 if data.legend else 0
    draw_on_canvas(
        canvas,
        data,
        margin,
        margin + legend_height,
        size[0] - 2 * margin,
        top - margin - legend_height,
    )
    at = margin
    for colour, label in data.legend:
        canvas.setFillColor(colors.HexColor(colour))
        canvas.circle(at + 4, margin + 4, 3.5, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        canvas.setFont(REGULAR, 8.5)
        canvas.drawString(at + 11, margin + 1.5, label[:40])
        at += 22 + canvas.stringWidth(label[:40], REGULAR, 8.5)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def render_png(data: MapData, width: int = 1600, height: int = 1100) -> bytes:
    """The same map as a picture (a report's, a web page's)."""
    title_height = 64 if data.title else 0
    legend_height = 30 if data.legend else 0
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image, "RGBA")
    box_height = height - title_height - legend_height
    project = projection(data, width, box_height, margin=12)

    def xy(lat: float, long: float) -> tuple[float, float]:
        x, y = project(lat, long)
        return x, title_height + box_height - y

    font = _font(REGULAR, 13)
    for line in data.lines:
        if len(line) >= 2:
            draw.line([xy(lat, long) for lat, long in line], fill=STREET, width=2)
    for text, lat, long in _clear_labels(data, project, 13, lambda y: -y):
        draw.text(xy(lat, long), text[:40], fill="#444444", font=font)
    radius = _radius(len(data.points)) * 1.6
    alpha = 110 if len(data.points) > 200 else 255
    for point in data.points:
        x, y = xy(point.lat, point.long)
        r = 11 if point.number is not None else radius
        shade = 255 if point.number is not None else alpha
        draw.ellipse((x - r, y - r, x + r, y + r), fill=_rgba(point.colour, shade))
        if point.number is not None:
            draw.text((x, y), str(point.number), fill="white", font=_font(BOLD, 12), anchor="mm")
    if data.marked is not None:
        x, y = xy(*data.marked)
        draw.ellipse((x - 14, y - 14, x + 14, y + 14), outline=MARK, width=4)
    if data.title:
        draw.text((14, 10), data.title[:120], fill="black", font=_font(BOLD, 24))
        draw.text((14, 40), data.subtitle[:200], fill="#333333", font=font)
    at = 14
    for colour, label in data.legend:
        y = height - legend_height / 2
        draw.ellipse((at, y - 6, at + 12, y + 6), fill=colour)
        draw.text((at + 18, y), label[:40], fill="black", font=font, anchor="lm")
        at += 40 + int(draw.textlength(label[:40], font=font))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _rgba(colour: str, alpha: int) -> tuple[int, int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16), alpha


def _font(name: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    file = "DejaVuSans-Bold.ttf" if name == BOLD else "DejaVuSans.ttf"
    try:
        return ImageFont.truetype(str(resource_path("fonts", file)), size)
    except OSError:
        return ImageFont.load_default()
