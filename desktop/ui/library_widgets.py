"""The Library page's pieces: the two-line result delegate and a facet's checkable list."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFont, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGroupBox,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.models import FacetModel, ResourceListModel
from desktop.ui.resources import icon


class ResourceDelegate(QStyledItemDelegate):
    """Two lines per result: the title, then type · subjects · grades; a mark if downloaded."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._downloaded = icon("downloaded")

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
                 ) -> QSize:
        h = option.fontMetrics.height()
        return QSize(200, 2 * h + 14)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        style = opt.widget.style() if opt.widget else None
        text = opt.text
        opt.text = ""
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        painter.save()
        rect = option.rect.adjusted(8, 5, -8, -5)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        if index.data(ResourceListModel.DownloadedRole):
            side = min(16, rect.height() // 2)
            self._downloaded.paint(painter, QRect(rect.right() - side, rect.top() + 2, side,
                                                  side))
            rect.setRight(rect.right() - side - 6)
        title_font = QFont(option.font)
        title_font.setBold(True)
        painter.setFont(title_font)
        painter.setPen(palette.highlightedText().color() if selected else palette.text().color())
        h = option.fontMetrics.height()
        top = QRect(rect.left(), rect.top(), rect.width(), h + 2)
        painter.drawText(top, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight,
                                                          top.width()))
        painter.setFont(option.font)
        color = palette.highlightedText().color() if selected else palette.placeholderText().color()
        painter.setPen(color)
        sub = index.data(ResourceListModel.SubtitleRole) or ""
        bottom = QRect(rect.left(), rect.top() + h + 4, rect.width(), h + 2)
        painter.drawText(bottom, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         painter.fontMetrics().elidedText(sub, Qt.TextElideMode.ElideRight,
                                                          bottom.width()))
        painter.restore()


class FacetBox(QGroupBox):
    """One facet: a titled list of checkable values with counts."""

    def __init__(self, model: FacetModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 6)
        self.view = QListView(self)
        self.view.setModel(model)
        self.view.setFrameShape(QFrame.Shape.NoFrame)
        self.view.setUniformItemSizes(True)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setMaximumHeight(170)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.activated.connect(self._toggle)
        layout.addWidget(self.view)
        model.modelReset.connect(self._fit)

    def _toggle(self, index: QModelIndex) -> None:
        checked = index.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
        self.model.setData(index, Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked,
                           Qt.ItemDataRole.CheckStateRole)

    def _fit(self) -> None:
        rows = self.model.rowCount()
        h = max(self.view.sizeHintForRow(0), self.view.fontMetrics().height() + 2) if rows \
            else 20
        self.view.setFixedHeight(min(170, max(1, rows) * h + 2 * self.view.frameWidth() + 4))
        self.setVisible(rows > 0)
