<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru_RU" sourcelanguage="en_US">
<context>
    <name>App</name>
    <message>
        <source>Okno cannot start: the administrator&apos;s settings file has an error: {reason}</source>
        <translation>Окно не может запуститься: в файле настроек администратора ошибка: {reason}</translation>
    </message>
    <message>
        <source>Okno cannot open its library: {reason}</source>
        <translation>Окно не может открыть библиотеку: {reason}</translation>
    </message>
    <message>
        <source>Okno</source>
        <translation>Окно</translation>
    </message>
    <message>
        <source>Installing the sample library…</source>
        <translation>Установка демонстрационной библиотеки…</translation>
    </message>
</context>
<context>
    <name>AskQuestionDialog</name>
    <message>
        <source>Ask the methodologists</source>
        <translation>Вопрос методистам</translation>
    </message>
    <message>
        <source>Describe the situation: what you tried, what you need. Markdown is allowed.</source>
        <translation>Опишите ситуацию: что уже пробовали и что нужно. Можно использовать Markdown.</translation>
    </message>
    <message>
        <source>Ask</source>
        <translation>Задать вопрос</translation>
    </message>
    <message>
        <source>Association:</source>
        <translation>Объединение:</translation>
    </message>
    <message>
        <source>Topic:</source>
        <translation>Тема:</translation>
    </message>
    <message>
        <source>Question:</source>
        <translation>Вопрос:</translation>
    </message>
</context>
<context>
    <name>BundleDialog</name>
    <message>
        <source>USB drive</source>
        <translation>Флешка</translation>
    </message>
    <message>
        <source>Write to a drive</source>
        <translation>Записать на флешку</translation>
    </message>
    <message>
        <source>Read from a drive</source>
        <translation>Прочитать с флешки</translation>
    </message>
    <message>
        <source>The library (catalog; only what the receiving computers do not have yet)</source>
        <translation>Библиотеку (каталог; только то, чего ещё нет на принимающих компьютерах)</translation>
    </message>
    <message>
        <source>With the downloaded files</source>
        <translation>Вместе со скачанными файлами</translation>
    </message>
    <message>
        <source>Files only of (nothing ticked: all files)</source>
        <translation>Файлы только для (ничего не отмечено — все файлы)</translation>
    </message>
    <message>
        <source>Subjects</source>
        <translation>Предметы</translation>
    </message>
    <message>
        <source>Collections</source>
        <translation>Коллекции</translation>
    </message>
    <message>
        <source>Grades</source>
        <translation>Классы</translation>
    </message>
    <message>
        <source>With the followed forums (open associations and the directory; never personal data)</source>
        <translation>С форумами, на которые вы подписаны (открытые объединения и их каталог; личные данные не записываются)</translation>
    </message>
    <message>
        <source>Everything, ignoring the receipts on the drive</source>
        <translation>Всё целиком, не глядя на квитанции на флешке</translation>
    </message>
    <message>
        <source>My outbox: posts, reactions and read marks written here, for a computer with Internet</source>
        <translation>Мои исходящие: сообщения, отметки «полезно» и прочитанного, сделанные здесь, — для компьютера с Интернетом</translation>
    </message>
    <message>
        <source>Folder on the drive:</source>
        <translation>Папка на флешке:</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Выбрать…</translation>
    </message>
    <message>
        <source>Write to the drive</source>
        <translation>Записать на флешку</translation>
    </message>
    <message>
        <source>Bundle file:</source>
        <translation>Файл пакета:</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>Проверить</translation>
    </message>
    <message>
        <source>Trust this portal key</source>
        <translation>Доверять этому ключу портала</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>Загрузить</translation>
    </message>
    <message>
        <source>Deliver to the portal</source>
        <translation>Передать на портал</translation>
    </message>
    <message>
        <source>Folder on the drive</source>
        <translation>Папка на флешке</translation>
    </message>
    <message>
        <source>Bundle file</source>
        <translation>Файл пакета</translation>
    </message>
    <message>
        <source>Okno bundles (*.okb)</source>
        <translation>Пакеты «Окна» (*.okb)</translation>
    </message>
    <message>
        <source>Choose a folder on the drive first.</source>
        <translation>Сначала выберите папку на флешке.</translation>
    </message>
    <message>
        <source>Writing the bundle…</source>
        <translation>Запись пакета…</translation>
    </message>
    <message>
        <source>The outbox is empty: there is nothing to send.</source>
        <translation>Исходящих нет: отправлять нечего.</translation>
    </message>
    <message>
        <source>The computers that left receipts on this drive already have everything; nothing was written.</source>
        <translation>На компьютерах, оставивших квитанции на этой флешке, уже всё есть; ничего не записано.</translation>
    </message>
    <message>
        <source>Written: {n} item(s) of the outbox to {file}. Take the drive to a computer with Internet and import it there.</source>
        <translation>Записано исходящих: {n}, файл {file}. Отнесите флешку к компьютеру с Интернетом и загрузите пакет там.</translation>
    </message>
    <message>
        <source>Written: {file} ({volumes} part(s)); {records} records, {files} file(s), {size}.</source>
        <translation>Записано: {file} (частей: {volumes}); записей — {records}, файлов — {files}, {size}.</translation>
    </message>
    <message>
        <source>Not included: {forums}. They were received before this version of Okno; synchronise once more to include them.</source>
        <translation>Не записаны: {forums} — они получены предыдущей версией «Окна». Выполните синхронизацию ещё раз, и их можно будет записать.</translation>
    </message>
    <message>
        <source>the directory of associations</source>
        <translation>каталог объединений</translation>
    </message>
    <message>
        <source>The bundle is not signed. Okno imports only signed bundles; nothing was imported.</source>
        <translation>Пакет не подписан. «Окно» загружает только подписанные пакеты; ничего не загружено.</translation>
    </message>
    <message>
        <source>The bundle was changed after it was made, or it is damaged. Nothing was imported.</source>
        <translation>Пакет изменён после создания или повреждён. Ничего не загружено.</translation>
    </message>
    <message>
        <source>The bundle is incomplete (the copy did not finish, or a part is missing). Nothing was imported.</source>
        <translation>Пакет неполный (копирование не завершилось или не хватает части). Ничего не загружено.</translation>
    </message>
    <message>
        <source>The bundle is signed by a key this computer does not trust. Nothing was imported.</source>
        <translation>Пакет подписан ключом, которому этот компьютер не доверяет. Ничего не загружено.</translation>
    </message>
    <message>
        <source>This computer cannot confirm who made the bundle. Nothing was imported.</source>
        <translation>Этот компьютер не может подтвердить, кто создал пакет. Ничего не загружено.</translation>
    </message>
    <message>
        <source>The bundle continues from a later point than this computer has: import the earlier bundle first, or ask for a full one.</source>
        <translation>Пакет продолжает данные с более позднего места, чем есть на этом компьютере: сначала загрузите предыдущий пакет или попросите полный.</translation>
    </message>
    <message>
        <source>The bundle belongs to another portal than this computer&apos;s library.</source>
        <translation>Пакет относится к другому порталу, не к тому, с которым работает библиотека этого компьютера.</translation>
    </message>
    <message>
        <source>There is not enough free space for the bundle.</source>
        <translation>Недостаточно свободного места для пакета.</translation>
    </message>
    <message>
        <source>This file is not an Okno bundle.</source>
        <translation>Этот файл — не пакет «Окна».</translation>
    </message>
    <message>
        <source>The bundle names the portal key {fp}. If your district office confirms this key, you may trust it.</source>
        <translation>В пакете указан ключ портала {fp}. Если ваш методический центр подтвердит этот ключ, ему можно доверять.</translation>
    </message>
    <message>
        <source>Made by the portal «{name}» (key {fp}, trusted).</source>
        <translation>Создан порталом «{name}» (ключ {fp}, доверенный).</translation>
    </message>
    <message>
        <source>Made on the computer «{device}» by {user} (key {fp}). Import it only if you know where it comes from.</source>
        <translation>Создан на компьютере «{device}», пользователь: {user} (ключ {fp}). Загружайте его, только если знаете, откуда он.</translation>
    </message>
    <message>
        <source>an unknown user</source>
        <translation>неизвестный пользователь</translation>
    </message>
    <message>
        <source>An outbox: {n} item(s) written offline, to be delivered to the portal.</source>
        <translation>Исходящие: {n} записей, сделанных без связи, — их нужно передать на портал.</translation>
    </message>
    <message>
        <source> — already here</source>
        <translation> — уже есть</translation>
    </message>
    <message>
        <source> — another user&apos;s, will be skipped</source>
        <translation> — другого пользователя, будет пропущено</translation>
    </message>
    <message>
        <source> — an older copy is here; it will be kept and brought up to date by a sync</source>
        <translation> — здесь есть более старая копия; она останется и обновится при синхронизации</translation>
    </message>
    <message>
        <source>{stream}: {n} records</source>
        <translation>{stream}: записей — {n}</translation>
    </message>
    <message>
        <source>Files: {n}, {size}</source>
        <translation>Файлы: {n}, {size}</translation>
    </message>
    <message>
        <source>Answers of the portal to {n} outbox item(s)</source>
        <translation>Ответы портала на исходящие: {n}</translation>
    </message>
    <message>
        <source>Checking the bundle…</source>
        <translation>Проверка пакета…</translation>
    </message>
    <message>
        <source>Importing…</source>
        <translation>Загрузка…</translation>
    </message>
    <message>
        <source>Importing the bundle…</source>
        <translation>Загрузка пакета…</translation>
    </message>
    <message>
        <source>Imported: {records} records, {files} new file(s).</source>
        <translation>Загружено: записей — {records}, новых файлов — {files}.</translation>
    </message>
    <message>
        <source>The outbox was updated with the portal&apos;s answers.</source>
        <translation>Исходящие обновлены по ответам портала.</translation>
    </message>
    <message>
        <source>A receipt was left on the drive: the next bundle will carry only what is new.</source>
        <translation>На флешке оставлена квитанция: следующий пакет привезёт только новое.</translation>
    </message>
    <message>
        <source>Delivering…</source>
        <translation>Передача…</translation>
    </message>
    <message>
        <source>Delivered {n} item(s). The portal&apos;s answer is on the drive ({file}): import it on the computer that wrote them.</source>
        <translation>Передано записей: {n}. Ответ портала — на флешке ({file}): загрузите его на том компьютере, где их написали.</translation>
    </message>
</context>
<context>
    <name>Columns</name>
    <message>
        <source>Name</source>
        <translation>Название</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Размер</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Состояние</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Ход загрузки</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>Скорость</translation>
    </message>
    <message>
        <source>Time left</source>
        <translation>Осталось</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>Начало</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Результат</translation>
    </message>
    <message>
        <source>Records</source>
        <translation>Записей</translation>
    </message>
    <message>
        <source>Transferred</source>
        <translation>Передано</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>Длительность</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Подробности</translation>
    </message>
</context>
<context>
    <name>Consultations</name>
    <message>
        <source>Library stock and catalogue</source>
        <translation>Фонд и каталог</translation>
    </message>
    <message>
        <source>Lessons and digital resources</source>
        <translation>Уроки и ЦОР</translation>
    </message>
    <message>
        <source>Computers and software</source>
        <translation>Компьютеры и программы</translation>
    </message>
    <message>
        <source>Programmes and standards</source>
        <translation>Программы и ФГОС</translation>
    </message>
    <message>
        <source>Reading and school events</source>
        <translation>Чтение и мероприятия</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>Другое</translation>
    </message>
    <message>
        <source>awaiting an answer</source>
        <translation>ждёт ответа</translation>
    </message>
    <message>
        <source>answered</source>
        <translation>есть ответ</translation>
    </message>
    <message>
        <source>unknown author</source>
        <translation>автор неизвестен</translation>
    </message>
    <message>
        <source>answers: {n}</source>
        <translation>ответов: {n}</translation>
    </message>
    <message>
        <source>an answer is accepted</source>
        <translation>ответ принят</translation>
    </message>
    <message>
        <source>not sent</source>
        <translation>не отправлено</translation>
    </message>
    <message>
        <source>No answers yet. The association&apos;s methodologists will see the question after your next sync.</source>
        <translation>Ответов пока нет. Методисты объединения увидят вопрос после вашей следующей синхронизации.</translation>
    </message>
    <message>
        <source>not sent yet</source>
        <translation>ещё не отправлено</translation>
    </message>
    <message>
        <source>✔ accepted answer</source>
        <translation>✔ принятый ответ</translation>
    </message>
    <message>
        <source>✔ accepted (not sent yet)</source>
        <translation>✔ принят (ещё не отправлено)</translation>
    </message>
    <message>
        <source>Accept this answer</source>
        <translation>Принять этот ответ</translation>
    </message>
</context>
<context>
    <name>ConsultationsPage</name>
    <message>
        <source>Consultations</source>
        <translation>Консультации</translation>
    </message>
    <message>
        <source>Ask a question…</source>
        <translation>Задать вопрос…</translation>
    </message>
    <message>
        <source>All questions</source>
        <translation>Все вопросы</translation>
    </message>
    <message>
        <source>My questions</source>
        <translation>Мои вопросы</translation>
    </message>
    <message>
        <source>Awaiting an answer</source>
        <translation>Ждут ответа</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>С ответом</translation>
    </message>
    <message>
        <source>All topics</source>
        <translation>Все темы</translation>
    </message>
    <message>
        <source>All my associations</source>
        <translation>Все мои объединения</translation>
    </message>
    <message>
        <source>Sign in on the Discussions page to ask the methodologists of your associations.</source>
        <translation>Войдите на странице «Обсуждения», чтобы задавать вопросы методистам своих объединений.</translation>
    </message>
    <message>
        <source>No questions here yet.</source>
        <translation>Здесь пока нет вопросов.</translation>
    </message>
    <message>
        <source>{n} of your questions were answered since the last sync. Open “My questions” to read the answers.</source>
        <translation>С прошлой синхронизации ответы получили ваши вопросы: {n}. Откройте «Мои вопросы», чтобы прочитать ответы.</translation>
    </message>
</context>
<context>
    <name>CourseListModel</name>
    <message>
        <source>Completed</source>
        <translation>Пройден</translation>
    </message>
    <message>
        <source>In progress: {done} of {total}</source>
        <translation>Идёт обучение: {done} из {total}</translation>
    </message>
    <message>
        <source>{hours} h · not enrolled</source>
        <translation>{hours} ч · вы не записаны</translation>
    </message>
</context>
<context>
    <name>CoursesPage</name>
    <message>
        <source>Courses</source>
        <translation>Курсы</translation>
    </message>
    <message>
        <source>Professional development courses</source>
        <translation>Курсы повышения квалификации</translation>
    </message>
    <message>
        <source>Lesson sets</source>
        <translation>Подборки к урокам</translation>
    </message>
    <message>
        <source>No courses yet. Sign in (Discussions page) and sync: the courses of the network arrive with the community.</source>
        <translation>Курсов пока нет. Войдите (страница «Обсуждения») и синхронизируйте: курсы сети приходят вместе с сообществом.</translation>
    </message>
    <message>
        <source>Enrol</source>
        <translation>Записаться</translation>
    </message>
    <message>
        <source>Download for offline use</source>
        <translation>Скачать для работы без сети</translation>
    </message>
    <message>
        <source>Download the files of every material, to study the course without a connection</source>
        <translation>Скачать файлы всех материалов, чтобы проходить курс без подключения</translation>
    </message>
    <message>
        <source>Certificate (PDF)</source>
        <translation>Сертификат (PDF)</translation>
    </message>
    <message>
        <source>Print certificate</source>
        <translation>Печать сертификата</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Открыть</translation>
    </message>
    <message>
        <source>Mark as studied</source>
        <translation>Отметить как изученное</translation>
    </message>
    <message>
        <source>Submit answer</source>
        <translation>Отправить ответ</translation>
    </message>
    <message>
        <source>Your answer</source>
        <translation>Ваш ответ</translation>
    </message>
    <message>
        <source>Course outline</source>
        <translation>Содержание курса</translation>
    </message>
    <message>
        <source>{hours} academic hours</source>
        <translation>{hours} ак. ч.</translation>
    </message>
    <message>
        <source>completed</source>
        <translation>завершён</translation>
    </message>
    <message>
        <source>done {done} of {total} required</source>
        <translation>выполнено {done} из {total} обязательных</translation>
    </message>
    <message>
        <source>To study offline, {n} files ({size}) still need downloading.</source>
        <translation>Для работы без сети осталось скачать файлов: {n} ({size}).</translation>
    </message>
    <message>
        <source>Every material is on this computer: the course works without a connection.</source>
        <translation>Все материалы на этом компьютере: курс доступен без подключения к сети.</translation>
    </message>
    <message>
        <source>Task: </source>
        <translation>Задание: </translation>
    </message>
    <message>
        <source>Optional</source>
        <translation>По желанию</translation>
    </message>
    <message>
        <source>Saved on this computer; goes to the portal with the next sync</source>
        <translation>Сохранено на этом компьютере; уйдёт на портал при следующей синхронизации</translation>
    </message>
    <message>
        <source>Choose a lesson, a material or a task.</source>
        <translation>Выберите урок, материал или задание.</translation>
    </message>
    <message>
        <source>optional</source>
        <translation>по желанию</translation>
    </message>
    <message>
        <source>done</source>
        <translation>выполнено</translation>
    </message>
    <message>
        <source>opened</source>
        <translation>открыто</translation>
    </message>
    <message>
        <source>On this computer.</source>
        <translation>Файл на этом компьютере.</translation>
    </message>
    <message>
        <source>Not downloaded yet: use “Download for offline use”.</source>
        <translation>Ещё не скачан: нажмите «Скачать для работы без сети».</translation>
    </message>
    <message>
        <source>Download the course</source>
        <translation>Скачать курс</translation>
    </message>
    <message>
        <source>Download {n} files ({size}) so the course works without a connection? Free space: {free}.</source>
        <translation>Скачать файлы ({n}, {size}), чтобы курс работал без подключения? Свободно на диске: {free}.</translation>
    </message>
</context>
<context>
    <name>DetailPane</name>
    <message>
        <source>Select a resource to see its description and files.</source>
        <translation>Выберите ресурс, чтобы увидеть его описание и файлы.</translation>
    </message>
    <message>
        <source>Files</source>
        <translation>Файлы</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>Скачать</translation>
    </message>
    <message>
        <source>Download the files of this resource</source>
        <translation>Скачать файлы этого ресурса</translation>
    </message>
    <message>
        <source>Cancel download</source>
        <translation>Отменить загрузку</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Открыть</translation>
    </message>
    <message>
        <source>Open the selected file (double-click works too)</source>
        <translation>Открыть выбранный файл (можно и двойным щелчком)</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>Описание</translation>
    </message>
    <message>
        <source>Files of the resource</source>
        <translation>Файлы ресурса</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>Название</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Тип</translation>
    </message>
    <message>
        <source>Subjects</source>
        <translation>Предметы</translation>
    </message>
    <message>
        <source>Grades</source>
        <translation>Классы</translation>
    </message>
    <message>
        <source>Authors</source>
        <translation>Авторы</translation>
    </message>
    <message>
        <source>License</source>
        <translation>Лицензия</translation>
    </message>
    <message>
        <source>Collections</source>
        <translation>Коллекции</translation>
    </message>
</context>
<context>
    <name>Discussions</name>
    <message>
        <source> · {n} new</source>
        <translation> · новых: {n}</translation>
    </message>
    <message>
        <source> · not sent</source>
        <translation> · не отправлено</translation>
    </message>
    <message>
        <source>not sent</source>
        <translation>не отправлено</translation>
    </message>
    <message>
        <source>sent</source>
        <translation>отправлено</translation>
    </message>
    <message>
        <source>edited on the portal meanwhile</source>
        <translation>на портале текст успели изменить</translation>
    </message>
    <message>
        <source>failed: {reason}</source>
        <translation>ошибка: {reason}</translation>
    </message>
    <message>
        <source>New thread</source>
        <translation>Новая тема</translation>
    </message>
    <message>
        <source>Reply</source>
        <translation>Ответ</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>Правка</translation>
    </message>
    <message>
        <source>Reaction</source>
        <translation>Отметка</translation>
    </message>
    <message>
        <source>Read mark</source>
        <translation>Отметка о прочтении</translation>
    </message>
    <message>
        <source>Follow</source>
        <translation>Следить</translation>
    </message>
    <message>
        <source>Deletion</source>
        <translation>Удаление</translation>
    </message>
    <message>
        <source>Complaint to moderators</source>
        <translation>Жалоба модераторам</translation>
    </message>
    <message>
        <source>Question to methodologists</source>
        <translation>Вопрос методистам</translation>
    </message>
    <message>
        <source>Answer</source>
        <translation>Ответ</translation>
    </message>
    <message>
        <source>Accepted answer</source>
        <translation>Принятый ответ</translation>
    </message>
    <message>
        <source>New event</source>
        <translation>Новое событие</translation>
    </message>
    <message>
        <source>Event cancelled</source>
        <translation>Отмена события</translation>
    </message>
    <message>
        <source>Event reminder</source>
        <translation>Напоминание о событии</translation>
    </message>
    <message>
        <source>Top level grant</source>
        <translation>Присвоение высшего уровня</translation>
    </message>
    <message>
        <source>Course enrolment</source>
        <translation>Запись на курс</translation>
    </message>
    <message>
        <source>Course progress</source>
        <translation>Прогресс по курсу</translation>
    </message>
    <message>
        <source>Review of a resource</source>
        <translation>Отзыв о ресурсе</translation>
    </message>
    <message>
        <source>Review deleted</source>
        <translation>Отзыв удалён</translation>
    </message>
    <message>
        <source>Lesson set</source>
        <translation>Подборка к уроку</translation>
    </message>
    <message>
        <source>Lesson set deleted</source>
        <translation>Подборка удалена</translation>
    </message>
    <message>
        <source>What</source>
        <translation>Что</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Состояние</translation>
    </message>
    <message>
        <source>Written</source>
        <translation>Написано</translation>
    </message>
    <message>
        <source>Removed by a moderator.</source>
        <translation>Удалено модератором.</translation>
    </message>
    <message>
        <source>Deleted by the author.</source>
        <translation>Удалено автором.</translation>
    </message>
    <message>
        <source>Hidden by a moderator.</source>
        <translation>Скрыто модератором.</translation>
    </message>
    <message>
        <source>unknown author</source>
        <translation>неизвестный автор</translation>
    </message>
    <message>
        <source>not sent yet</source>
        <translation>ещё не отправлено</translation>
    </message>
    <message>
        <source>edited</source>
        <translation>изменено</translation>
    </message>
    <message>
        <source>The thread is closed for replies.</source>
        <translation>Тема закрыта для ответов.</translation>
    </message>
    <message>
        <source>Your edit is not sent yet.</source>
        <translation>Ваша правка ещё не отправлена.</translation>
    </message>
    <message>
        <source>★ useful ({n})</source>
        <translation>★ полезно ({n})</translation>
    </message>
    <message>
        <source>☆ useful ({n})</source>
        <translation>☆ полезно ({n})</translation>
    </message>
    <message>
        <source>edit</source>
        <translation>изменить</translation>
    </message>
    <message>
        <source>report…</source>
        <translation>пожаловаться…</translation>
    </message>
    <message>
        <source>No posts yet.</source>
        <translation>Сообщений пока нет.</translation>
    </message>
</context>
<context>
    <name>DiscussionsPage</name>
    <message>
        <source>Discussions arrive with the community feature: forums of associations, questions to methodologists and replies written offline.</source>
        <translation>Обсуждения появятся вместе с сетевым сообществом: форумы объединений, вопросы методистам и ответы, написанные без подключения к сети.</translation>
    </message>
    <message>
        <source>Search discussions</source>
        <translation>Поиск по обсуждениям</translation>
    </message>
    <message>
        <source>New thread…</source>
        <translation>Новая тема…</translation>
    </message>
    <message>
        <source>Not signed in</source>
        <translation>Вход не выполнен</translation>
    </message>
    <message>
        <source>Sign in…</source>
        <translation>Войти…</translation>
    </message>
    <message>
        <source>Sign in again to send what you wrote</source>
        <translation>Войдите снова, чтобы отправить написанное</translation>
    </message>
    <message>
        <source>Signed in as {name}</source>
        <translation>Вы вошли как {name}</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>Выйти</translation>
    </message>
    <message>
        <source>Outbox ({n})</source>
        <translation>Исходящие ({n})</translation>
    </message>
    <message>
        <source>Unfollow</source>
        <translation>Не следить</translation>
    </message>
    <message>
        <source>Follow</source>
        <translation>Следить</translation>
    </message>
    <message>
        <source>Nothing found.</source>
        <translation>Ничего не найдено.</translation>
    </message>
</context>
<context>
    <name>DownloadController</name>
    <message>
        <source>No portal is set, so files cannot be downloaded. Connect to a portal in Settings.</source>
        <translation>Портал не указан, поэтому файлы скачать нельзя. Подключитесь к порталу в настройках.</translation>
    </message>
</context>
<context>
    <name>DownloadsPage</name>
    <message>
        <source>Downloads</source>
        <translation>Загрузки</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>Приостановить</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>Продолжить</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Отменить</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>Повторить</translation>
    </message>
    <message>
        <source>Download queue</source>
        <translation>Очередь загрузок</translation>
    </message>
    <message>
        <source>Nothing is being downloaded. Choose a resource in the Library and press “Download”.</source>
        <translation>Сейчас ничего не загружается. Выберите ресурс в библиотеке и нажмите «Скачать».</translation>
    </message>
    <message>
        <source>no speed limit</source>
        <translation>скорость не ограничена</translation>
    </message>
    <message>
        <source>speed limited to {speed}/s</source>
        <translation>скорость ограничена: {speed}/с</translation>
    </message>
    <message>
        <source>Files are saved in {folder}; {limit} (change in Settings).</source>
        <translation>Файлы сохраняются в папку {folder}; {limit} (меняется в настройках).</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <source>The shared library of this computer ({folder}) is read-only for your account: the administrator updates it and downloads its files. Your own data is not affected.</source>
        <translation>Общая библиотека этого компьютера ({folder}) доступна вашей учётной записи только для чтения: её обновляет и скачивает для неё файлы администратор. Ваши личные данные это не затрагивает.</translation>
    </message>
    <message>
        <source>Okno is not allowed to read or write “{name}”.</source>
        <translation>У Окна нет прав на чтение или запись «{name}».</translation>
    </message>
    <message>
        <source>The file or folder “{name}” does not exist.</source>
        <translation>Файла или папки «{name}» не существует.</translation>
    </message>
    <message>
        <source>A file could not be read or written: {reason}.</source>
        <translation>Не удалось прочитать или записать файл: {reason}.</translation>
    </message>
    <message>
        <source>Okno</source>
        <translation>Окно</translation>
    </message>
</context>
<context>
    <name>Events</name>
    <message>
        <source>Seminar</source>
        <translation>Семинар</translation>
    </message>
    <message>
        <source>Webinar</source>
        <translation>Вебинар</translation>
    </message>
    <message>
        <source>Meeting</source>
        <translation>Встреча</translation>
    </message>
    <message>
        <source>When</source>
        <translation>Когда</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>Событие</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Вид</translation>
    </message>
    <message>
        <source>Association</source>
        <translation>Объединение</translation>
    </message>
    <message>
        <source>Reminder</source>
        <translation>Напоминание</translation>
    </message>
    <message>
        <source>{title} (cancelled)</source>
        <translation>{title} (отменено)</translation>
    </message>
    <message>
        <source> · not sent</source>
        <translation> · не отправлено</translation>
    </message>
    <message>
        <source>★ {n} min before</source>
        <translation>★ за {n} мин</translation>
    </message>
</context>
<context>
    <name>EventsPage</name>
    <message>
        <source>Events</source>
        <translation>События</translation>
    </message>
    <message>
        <source>Show past events</source>
        <translation>Показывать прошедшие</translation>
    </message>
    <message>
        <source>New event…</source>
        <translation>Новое событие…</translation>
    </message>
    <message>
        <source>Export calendar (.ics)…</source>
        <translation>Экспорт календаря (.ics)…</translation>
    </message>
    <message>
        <source>Export event (.ics)…</source>
        <translation>Экспорт события (.ics)…</translation>
    </message>
    <message>
        <source>Cancel event</source>
        <translation>Отменить событие</translation>
    </message>
    <message>
        <source>Remind me</source>
        <translation>Напомнить</translation>
    </message>
    <message>
        <source>{n} minutes before</source>
        <translation>за {n} мин</translation>
    </message>
    <message>
        <source>{n} h before</source>
        <translation>за {n} ч</translation>
    </message>
    <message>
        <source>a day before</source>
        <translation>за сутки</translation>
    </message>
    <message>
        <source>All my associations</source>
        <translation>Все мои объединения</translation>
    </message>
    <message>
        <source>Choose an event to see the details.</source>
        <translation>Выберите событие, чтобы увидеть подробности.</translation>
    </message>
    <message>
        <source>{title} (cancelled)</source>
        <translation>{title} (отменено)</translation>
    </message>
    <message>
        <source>Place: {place}</source>
        <translation>Место: {place}</translation>
    </message>
    <message>
        <source>Link: {url}</source>
        <translation>Ссылка: {url}</translation>
    </message>
    <message>
        <source>Cancel “{title}” for everyone?</source>
        <translation>Отменить «{title}» для всех участников?</translation>
    </message>
    <message>
        <source>iCalendar files (*.ics)</source>
        <translation>Файлы iCalendar (*.ics)</translation>
    </message>
    <message>
        <source>Export event</source>
        <translation>Экспорт события</translation>
    </message>
    <message>
        <source>Export calendar</source>
        <translation>Экспорт календаря</translation>
    </message>
    <message>
        <source>Saved to {path}</source>
        <translation>Сохранено: {path}</translation>
    </message>
    <message>
        <source>Reminder: “{title}” starts in {n} min ({when}).</source>
        <translation>Напоминание: «{title}» начнётся через {n} мин ({when}).</translation>
    </message>
</context>
<context>
    <name>FileState</name>
    <message>
        <source>not downloaded</source>
        <translation>не скачан</translation>
    </message>
    <message>
        <source>queued</source>
        <translation>в очереди</translation>
    </message>
    <message>
        <source>downloading</source>
        <translation>загружается</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>приостановлен</translation>
    </message>
    <message>
        <source>downloaded</source>
        <translation>скачан</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>ошибка</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>отменён</translation>
    </message>
</context>
<context>
    <name>FileViewer</name>
    <message>
        <source>Open in another program</source>
        <translation>Открыть в другой программе</translation>
    </message>
    <message>
        <source>Document</source>
        <translation>Документ</translation>
    </message>
    <message>
        <source>This image cannot be shown.</source>
        <translation>Это изображение не удаётся показать.</translation>
    </message>
    <message>
        <source>Image</source>
        <translation>Изображение</translation>
    </message>
    <message>
        <source>Video</source>
        <translation>Видео</translation>
    </message>
</context>
<context>
    <name>FirstRunWizard</name>
    <message>
        <source>Okno: first start</source>
        <translation>Окно: первый запуск</translation>
    </message>
</context>
<context>
    <name>FlagDialog</name>
    <message>
        <source>Report a post</source>
        <translation>Жалоба на сообщение</translation>
    </message>
    <message>
        <source>The association&apos;s moderators will see your complaint. The author will not know who sent it.</source>
        <translation>Жалобу увидят модераторы объединения. Автор сообщения не узнает, кто её отправил.</translation>
    </message>
    <message>
        <source>Spam or advertising</source>
        <translation>Спам или реклама</translation>
    </message>
    <message>
        <source>Insulting or offensive</source>
        <translation>Оскорбление или грубость</translation>
    </message>
    <message>
        <source>Off topic</source>
        <translation>Не по теме</translation>
    </message>
    <message>
        <source>Something else</source>
        <translation>Другое</translation>
    </message>
    <message>
        <source>In your own words (optional; needed for &quot;Something else&quot;)</source>
        <translation>Своими словами (необязательно; для «Другое» — обязательно)</translation>
    </message>
    <message>
        <source>Send the complaint</source>
        <translation>Отправить жалобу</translation>
    </message>
    <message>
        <source>Describe the problem in a few words.</source>
        <translation>Опишите проблему в нескольких словах.</translation>
    </message>
</context>
<context>
    <name>LabHubSection</name>
    <message>
        <source>Choose the network card of the lab network first.</source>
        <translation>Сначала выберите сетевую карту локальной сети класса.</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>Запуск…</translation>
    </message>
    <message>
        <source>Sharing the library at {url}. Other Okno computers of the lab find it by themselves.</source>
        <translation>Библиотека открыта для локальной сети по адресу {url}. Другие компьютеры класса с «Окном» найдут её сами.</translation>
    </message>
    <message>
        <source>Could not share the library: {reason}</source>
        <translation>Не удалось открыть библиотеку для локальной сети: {reason}</translation>
    </message>
    <message>
        <source>Local network (computer lab)</source>
        <translation>Локальная сеть (компьютерный класс)</translation>
    </message>
    <message>
        <source>Take the library from a lab computer that shares it, when there is one</source>
        <translation>Брать библиотеку с компьютера класса, который её раздаёт, если такой есть</translation>
    </message>
    <message>
        <source>Share the library on the local network</source>
        <translation>Раздавать библиотеку в локальной сети</translation>
    </message>
    <message>
        <source>Set by the administrator</source>
        <translation>Задано администратором</translation>
    </message>
    <message>
        <source>Lab network &amp;card:</source>
        <translation>&amp;Сетевая карта класса:</translation>
    </message>
    <message>
        <source>Network address to share the library on</source>
        <translation>Сетевой адрес, на котором раздаётся библиотека</translation>
    </message>
    <message>
        <source>&amp;Port:</source>
        <translation>&amp;Порт:</translation>
    </message>
    <message>
        <source>Only the public catalog and downloaded files are shared, read-only, on this address only. Posts, sign-in and personal data always go to the portal.</source>
        <translation>Раздаются только общий каталог и скачанные файлы, только для чтения и только на этом адресе. Сообщения, вход и личные данные всегда идут через портал.</translation>
    </message>
</context>
<context>
    <name>Leaders</name>
    <message>
        <source>Newcomer</source>
        <translation>Новичок</translation>
    </message>
    <message>
        <source>Participant</source>
        <translation>Участник</translation>
    </message>
    <message>
        <source>Active participant</source>
        <translation>Активный участник</translation>
    </message>
    <message>
        <source>Expert</source>
        <translation>Эксперт</translation>
    </message>
    <message>
        <source>Network leader</source>
        <translation>Лидер сети</translation>
    </message>
    <message>
        <source>accepted answers</source>
        <translation>принятые ответы</translation>
    </message>
    <message>
        <source>“useful” marks received</source>
        <translation>отметки «полезно»</translation>
    </message>
    <message>
        <source>days of activity</source>
        <translation>дни активности</translation>
    </message>
    <message>
        <source>posts hidden by moderators</source>
        <translation>сообщения, скрытые модераторами</translation>
    </message>
    <message>
        <source>reviews</source>
        <translation>отзывы</translation>
    </message>
    <message>
        <source>courses completed</source>
        <translation>пройденные курсы</translation>
    </message>
    <message>
        <source>#</source>
        <translation>№</translation>
    </message>
    <message>
        <source>Member</source>
        <translation>Участник</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>Уровень</translation>
    </message>
    <message>
        <source>Score</source>
        <translation>Баллы</translation>
    </message>
    <message>
        <source>top level granted by a coordinator</source>
        <translation>высший уровень присвоен координатором</translation>
    </message>
</context>
<context>
    <name>LeadersPage</name>
    <message>
        <source>Leaders</source>
        <translation>Лидеры</translation>
    </message>
    <message>
        <source>Levels grow with helpful work in the association: accepted answers to consultations, “useful” marks on posts, regular activity; posts hidden by moderators count against. The portal recalculates them; a coordinator may grant the top level by hand (★).</source>
        <translation>Уровень растёт за полезную работу в объединении: принятые ответы на консультациях, отметки «полезно» к сообщениям, регулярную активность; сообщения, скрытые модераторами, снижают баллы. Портал пересчитывает уровни сам; координатор может присвоить высший уровень вручную (★).</translation>
    </message>
    <message>
        <source>No levels here yet: they appear after the portal counts the association&apos;s activity.</source>
        <translation>Уровней пока нет: они появятся, когда портал подсчитает активность объединения.</translation>
    </message>
    <message>
        <source>Take back the top level</source>
        <translation>Снять высший уровень</translation>
    </message>
    <message>
        <source>Grant the top level</source>
        <translation>Присвоить высший уровень</translation>
    </message>
    <message>
        <source>Saved. The portal applies it with the next sync.</source>
        <translation>Сохранено. Портал применит это при следующей синхронизации.</translation>
    </message>
</context>
<context>
    <name>LessonSetsPanel</name>
    <message>
        <source>Lesson sets</source>
        <translation>Подборки к урокам</translation>
    </message>
    <message>
        <source>No lesson sets yet. On a resource&apos;s page (Library), choose “New set…” to start one.</source>
        <translation>Подборок пока нет. Откройте ресурс в библиотеке и нажмите «Создать…», чтобы начать подборку.</translation>
    </message>
    <message>
        <source>Shared with:</source>
        <translation>Доступна:</translation>
    </message>
    <message>
        <source>Shared with</source>
        <translation>Кому доступна подборка</translation>
    </message>
    <message>
        <source>Remove from set</source>
        <translation>Убрать из подборки</translation>
    </message>
    <message>
        <source>Delete set</source>
        <translation>Удалить подборку</translation>
    </message>
    <message>
        <source>Resources of the set</source>
        <translation>Ресурсы подборки</translation>
    </message>
    <message>
        <source>shared: {association}</source>
        <translation>доступна: {association}</translation>
    </message>
    <message>
        <source>private</source>
        <translation>личная</translation>
    </message>
    <message>
        <source>Shared by {owner}</source>
        <translation>Автор подборки: {owner}</translation>
    </message>
    <message>
        <source>Nobody (private)</source>
        <translation>Только мне (личная)</translation>
    </message>
</context>
<context>
    <name>LibraryPage</name>
    <message>
        <source>Search the library: title, topic, author… (Ctrl+F)</source>
        <translation>Поиск по библиотеке: название, тема, автор… (Ctrl+F)</translation>
    </message>
    <message>
        <source>Search the library</source>
        <translation>Поиск по библиотеке</translation>
    </message>
    <message>
        <source>Search results</source>
        <translation>Результаты поиска</translation>
    </message>
    <message>
        <source>Filters</source>
        <translation>Фильтры</translation>
    </message>
    <message>
        <source>Downloaded only</source>
        <translation>Только скачанные</translation>
    </message>
    <message>
        <source>Show downloaded resources only</source>
        <translation>Показывать только скачанные ресурсы</translation>
    </message>
    <message>
        <source>Clear filters</source>
        <translation>Сбросить фильтры</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>Предмет</translation>
    </message>
    <message>
        <source>Grade</source>
        <translation>Класс</translation>
    </message>
    <message>
        <source>Resource type</source>
        <translation>Тип ресурса</translation>
    </message>
    <message>
        <source>Collection</source>
        <translation>Коллекция</translation>
    </message>
    <message>
        <source>{n} resources in the library</source>
        <translation>Ресурсов в библиотеке: {n}</translation>
    </message>
    <message>
        <source>Found: {n}</source>
        <translation>Найдено: {n}</translation>
    </message>
    <message>
        <source>Downloaded only ({n})</source>
        <translation>Только скачанные ({n})</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Okno — library of educational resources</source>
        <translation>Окно — библиотека образовательных ресурсов</translation>
    </message>
    <message>
        <source>Library</source>
        <translation>Библиотека</translation>
    </message>
    <message>
        <source>Discussions</source>
        <translation>Обсуждения</translation>
    </message>
    <message>
        <source>Downloads</source>
        <translation>Загрузки</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>Синхронизация</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Настройки</translation>
    </message>
    <message>
        <source>{page} (Ctrl+{n})</source>
        <translation>{page} (Ctrl+{n})</translation>
    </message>
    <message>
        <source>Sections</source>
        <translation>Разделы</translation>
    </message>
    <message>
        <source>Search the library</source>
        <translation>Поиск по библиотеке</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>Синхронизировать</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>На связи</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>Нет связи</translation>
    </message>
    <message>
        <source>No portal is set</source>
        <translation>Портал не указан</translation>
    </message>
    <message>
        <source>Downloads pending: {n}</source>
        <translation>Ожидают загрузки: {n}</translation>
    </message>
    <message>
        <source>Unsent: {n}</source>
        <translation>Не отправлено: {n}</translation>
    </message>
    <message>
        <source>Never synchronised</source>
        <translation>Синхронизации ещё не было</translation>
    </message>
    <message>
        <source>Last sync: {time}</source>
        <translation>Последняя синхронизация: {time}</translation>
    </message>
    <message>
        <source>Last sync failed: {time}</source>
        <translation>Последняя синхронизация не удалась: {time}</translation>
    </message>
</context>
<context>
    <name>MarkdownView</name>
    <message>
        <source>Open link</source>
        <translation>Открыть ссылку</translation>
    </message>
    <message>
        <source>Open this address outside Okno?

{url}</source>
        <translation>Открыть этот адрес вне Окна?

{url}</translation>
    </message>
</context>
<context>
    <name>NewEventDialog</name>
    <message>
        <source>New event</source>
        <translation>Новое событие</translation>
    </message>
    <message>
        <source>Kind:</source>
        <translation>Вид:</translation>
    </message>
    <message>
        <source>Title:</source>
        <translation>Название:</translation>
    </message>
    <message>
        <source>Starts (local time):</source>
        <translation>Начало (местное время):</translation>
    </message>
    <message>
        <source>Hours:</source>
        <translation>Часов:</translation>
    </message>
    <message>
        <source>Place:</source>
        <translation>Место:</translation>
    </message>
    <message>
        <source>Link:</source>
        <translation>Ссылка:</translation>
    </message>
</context>
<context>
    <name>OutboxView</name>
    <message>
        <source>Outbox</source>
        <translation>Исходящие</translation>
    </message>
    <message>
        <source>What you wrote offline is sent with the next sync, once. Answered items stay here until you remove them.</source>
        <translation>Написанное без сети отправляется при следующей синхронизации, один раз. Отправленное остаётся в списке, пока вы его не уберёте.</translation>
    </message>
    <message>
        <source>Remove from the list</source>
        <translation>Убрать из списка</translation>
    </message>
    <message>
        <source>Your text</source>
        <translation>Ваш текст</translation>
    </message>
    <message>
        <source>On the portal now</source>
        <translation>Сейчас на портале</translation>
    </message>
    <message>
        <source>Keep mine</source>
        <translation>Оставить мой</translation>
    </message>
    <message>
        <source>Discard my text</source>
        <translation>Отказаться от моего текста</translation>
    </message>
</context>
<context>
    <name>PortalPage</name>
    <message>
        <source>Connect to a portal</source>
        <translation>Подключение к порталу</translation>
    </message>
    <message>
        <source>Enter the portal address and check the connection.</source>
        <translation>Введите адрес портала и проверьте соединение.</translation>
    </message>
    <message>
        <source>Portal &amp;address:</source>
        <translation>&amp;Адрес портала:</translation>
    </message>
    <message>
        <source>Portal address</source>
        <translation>Адрес портала</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>Проверить</translation>
    </message>
    <message>
        <source>No connection right now? Finish anyway: Okno will synchronise when the portal becomes reachable.</source>
        <translation>Сейчас нет связи? Всё равно завершите настройку: Окно синхронизируется, как только портал станет доступен.</translation>
    </message>
    <message>
        <source>Checking {url}…</source>
        <translation>Проверяем {url}…</translation>
    </message>
    <message>
        <source>✔ The portal answers: {name}.</source>
        <translation>✔ Портал отвечает: {name}.</translation>
    </message>
    <message>
        <source>✘ Not reachable: {reason}</source>
        <translation>✘ Нет связи: {reason}</translation>
    </message>
</context>
<context>
    <name>QuestionPanel</name>
    <message>
        <source>Your answer (Markdown). It is saved on this computer and sent with the next sync.</source>
        <translation>Ваш ответ (Markdown). Он сохраняется на этом компьютере и отправляется при следующей синхронизации.</translation>
    </message>
    <message>
        <source>Send answer</source>
        <translation>Отправить ответ</translation>
    </message>
    <message>
        <source>Choose a question on the left, or ask your own.</source>
        <translation>Выберите вопрос слева или задайте свой.</translation>
    </message>
    <message>
        <source>not sent yet</source>
        <translation>ещё не отправлено</translation>
    </message>
    <message>
        <source>Saved. It will be sent with the next sync.</source>
        <translation>Сохранено. Ответ уйдёт при следующей синхронизации.</translation>
    </message>
</context>
<context>
    <name>ResourceCommunity</name>
    <message>
        <source>My review: how I used it in class</source>
        <translation>Мой отзыв: как я использовал(а) ресурс на уроке</translation>
    </message>
    <message>
        <source>For example: a lesson in grade 6, pair work, what worked and what did not</source>
        <translation>Например: урок в 6 классе, работа в парах, что получилось, а что нет</translation>
    </message>
    <message>
        <source>Save review</source>
        <translation>Сохранить отзыв</translation>
    </message>
    <message>
        <source>Delete my review</source>
        <translation>Удалить мой отзыв</translation>
    </message>
    <message>
        <source>My rating</source>
        <translation>Моя оценка</translation>
    </message>
    <message>
        <source>Reviews and discussions</source>
        <translation>Отзывы и обсуждения</translation>
    </message>
    <message>
        <source>My lesson sets</source>
        <translation>Мои подборки к урокам</translation>
    </message>
    <message>
        <source>Add to set</source>
        <translation>Добавить</translation>
    </message>
    <message>
        <source>New set…</source>
        <translation>Создать…</translation>
    </message>
    <message>
        <source>A new lesson set with this resource</source>
        <translation>Новая подборка с этим ресурсом</translation>
    </message>
    <message>
        <source>Rating {stars} {avg} · reviews: {n}</source>
        <translation>Оценка {stars} {avg} · отзывов: {n}</translation>
    </message>
    <message>
        <source>No reviews yet</source>
        <translation>Отзывов пока нет</translation>
    </message>
    <message>
        <source>No discussion links to this resource yet.</source>
        <translation>Пока ни одно обсуждение не ссылается на этот ресурс.</translation>
    </message>
    <message>
        <source>New lesson set</source>
        <translation>Новая подборка</translation>
    </message>
    <message>
        <source>Title of the lesson set:</source>
        <translation>Название подборки:</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>Settings</source>
        <translation>Настройки</translation>
    </message>
    <message>
        <source>Portal</source>
        <translation>Портал</translation>
    </message>
    <message>
        <source>Portal &amp;address:</source>
        <translation>&amp;Адрес портала:</translation>
    </message>
    <message>
        <source>Portal address</source>
        <translation>Адрес портала</translation>
    </message>
    <message>
        <source>Check connection</source>
        <translation>Проверить связь</translation>
    </message>
    <message>
        <source>Data and storage</source>
        <translation>Данные и место на диске</translation>
    </message>
    <message>
        <source>Data folder:</source>
        <translation>Папка данных:</translation>
    </message>
    <message>
        <source>Move…</source>
        <translation>Перенести…</translation>
    </message>
    <message>
        <source>Move the data folder</source>
        <translation>Перенести папку данных</translation>
    </message>
    <message>
        <source>Downloaded files:</source>
        <translation>Скачанные файлы:</translation>
    </message>
    <message>
        <source>Free space…</source>
        <translation>Освободить место…</translation>
    </message>
    <message>
        <source>Delete downloaded files to free space</source>
        <translation>Удалить скачанные файлы, чтобы освободить место</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Язык</translation>
    </message>
    <message>
        <source>&amp;Interface language:</source>
        <translation>&amp;Язык интерфейса:</translation>
    </message>
    <message>
        <source>Interface language</source>
        <translation>Язык интерфейса</translation>
    </message>
    <message>
        <source>Network and synchronisation</source>
        <translation>Сеть и синхронизация</translation>
    </message>
    <message>
        <source>Download speed &amp;limit:</source>
        <translation>&amp;Ограничение скорости загрузки:</translation>
    </message>
    <message>
        <source> KB/s</source>
        <translation> КБ/с</translation>
    </message>
    <message>
        <source>no limit</source>
        <translation>без ограничения</translation>
    </message>
    <message>
        <source>Download speed limit, kilobytes per second</source>
        <translation>Ограничение скорости загрузки, килобайт в секунду</translation>
    </message>
    <message>
        <source>&amp;Automatic sync every:</source>
        <translation>&amp;Автоматическая синхронизация каждые:</translation>
    </message>
    <message>
        <source> min</source>
        <translation> мин</translation>
    </message>
    <message>
        <source>off (only when asked)</source>
        <translation>выключена (только вручную)</translation>
    </message>
    <message>
        <source>Automatic sync interval in minutes</source>
        <translation>Интервал автоматической синхронизации в минутах</translation>
    </message>
    <message>
        <source>only between</source>
        <translation>только с</translation>
    </message>
    <message>
        <source>and</source>
        <translation>до</translation>
    </message>
    <message>
        <source>Sync window start</source>
        <translation>Начало окна синхронизации</translation>
    </message>
    <message>
        <source>Sync window end</source>
        <translation>Конец окна синхронизации</translation>
    </message>
    <message>
        <source>Metered connection: catalog only, no automatic file downloads</source>
        <translation>Лимитное подключение: только каталог, без автоматической загрузки файлов</translation>
    </message>
    <message>
        <source>Set by the administrator</source>
        <translation>Задано администратором</translation>
    </message>
    <message>
        <source>Some settings are set by the administrator and cannot be changed here ({path}).</source>
        <translation>Некоторые настройки заданы администратором и здесь не меняются ({path}).</translation>
    </message>
    <message>
        <source>Enter the portal address first.</source>
        <translation>Сначала введите адрес портала.</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>Проверяем…</translation>
    </message>
    <message>
        <source>Connected: {name}.</source>
        <translation>Связь есть: {name}.</translation>
    </message>
    <message>
        <source>Not reachable: {reason}</source>
        <translation>Нет связи: {reason}</translation>
    </message>
    <message>
        <source>{size} in {n} files</source>
        <translation>{size}, файлов: {n}</translation>
    </message>
    <message>
        <source>Free space</source>
        <translation>Освободить место</translation>
    </message>
    <message>
        <source>Delete all downloaded files? The catalog stays; files can be downloaded again later.</source>
        <translation>Удалить все скачанные файлы? Каталог останется, файлы можно будет скачать снова.</translation>
    </message>
    <message>
        <source>Deleting downloaded files…</source>
        <translation>Удаляем скачанные файлы…</translation>
    </message>
    <message>
        <source>Choose a new data folder</source>
        <translation>Выберите новую папку данных</translation>
    </message>
    <message>
        <source>Choose a folder outside the current data folder.</source>
        <translation>Выберите папку вне текущей папки данных.</translation>
    </message>
    <message>
        <source>The folder “{path}” is not empty.</source>
        <translation>Папка «{path}» не пуста.</translation>
    </message>
    <message>
        <source>Moving the data folder…</source>
        <translation>Переносим папку данных…</translation>
    </message>
    <message>
        <source>Data folder</source>
        <translation>Папка данных</translation>
    </message>
</context>
<context>
    <name>SignIn</name>
    <message>
        <source>Wrong login or password.</source>
        <translation>Неверный логин или пароль.</translation>
    </message>
    <message>
        <source>Too many sign-in attempts. Try again in {n} seconds.</source>
        <translation>Слишком много попыток входа. Попробуйте снова через {n} с.</translation>
    </message>
    <message>
        <source>Too many sign-in attempts. Try again later.</source>
        <translation>Слишком много попыток входа. Попробуйте позже.</translation>
    </message>
    <message>
        <source>The portal cannot be reached. Check the network connection and the portal address in Settings.</source>
        <translation>Портал недоступен. Проверьте подключение к сети и адрес портала в настройках.</translation>
    </message>
</context>
<context>
    <name>SignInDialog</name>
    <message>
        <source>Sign in to the community</source>
        <translation>Вход в сообщество</translation>
    </message>
    <message>
        <source>Sign in with the account of the portal {url}. The password is checked by the portal and not stored.</source>
        <translation>Войдите с учётной записью портала {url}. Пароль проверяет портал, на компьютере он не хранится.</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>Войти</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
    <message>
        <source>Login:</source>
        <translation>Логин:</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>Пароль:</translation>
    </message>
    <message>
        <source>No portal is set. Enter the portal address in Settings first.</source>
        <translation>Портал не задан. Сначала укажите адрес портала в настройках.</translation>
    </message>
    <message>
        <source>Enter the login and the password.</source>
        <translation>Введите логин и пароль.</translation>
    </message>
    <message>
        <source>Checking with the portal…</source>
        <translation>Проверяем на портале…</translation>
    </message>
</context>
<context>
    <name>SyncController</name>
    <message>
        <source>No portal is set. Enter the portal address in Settings to synchronise the library.</source>
        <translation>Портал не указан. Введите адрес портала в настройках, чтобы синхронизировать библиотеку.</translation>
    </message>
    <message>
        <source>Cancelled by the user; everything received so far is kept.</source>
        <translation>Отменено пользователем; всё полученное до этого сохранено.</translation>
    </message>
    <message>
        <source>The sync was cancelled.</source>
        <translation>Синхронизация отменена.</translation>
    </message>
</context>
<context>
    <name>SyncErrors</name>
    <message>
        <source>Cannot reach the portal at {url}. Check the network connection and the portal address.</source>
        <translation>Не удаётся связаться с порталом {url}. Проверьте подключение к сети и адрес портала.</translation>
    </message>
    <message>
        <source>The connection stalled: no data arrived for a long time. What arrived is kept; it will be resumed.</source>
        <translation>Соединение зависло: данные долго не поступали. Полученное сохранено; загрузка продолжится.</translation>
    </message>
    <message>
        <source>The connection was cut in the middle of a transfer. What arrived is kept; it will be resumed.</source>
        <translation>Соединение оборвалось во время передачи. Полученное сохранено; загрузка продолжится.</translation>
    </message>
    <message>
        <source>A network error interrupted the exchange with the portal. Try again later.</source>
        <translation>Сетевая ошибка прервала обмен с порталом. Повторите попытку позже.</translation>
    </message>
    <message>
        <source>The portal is busy and asked to try again later.</source>
        <translation>Портал перегружен и просит повторить попытку позже.</translation>
    </message>
    <message>
        <source>The portal had an internal error (HTTP {status}). Try again later.</source>
        <translation>На портале произошла внутренняя ошибка (HTTP {status}). Повторите попытку позже.</translation>
    </message>
    <message>
        <source>The portal failed while sending data. What arrived completely is kept; try again later.</source>
        <translation>Портал дал сбой во время передачи данных. Всё, что успело прийти полностью, сохранено; попробуйте позже.</translation>
    </message>
    <message>
        <source>The portal does not have what was asked for.</source>
        <translation>На портале нет запрошенных данных.</translation>
    </message>
    <message>
        <source>The portal refused the request (HTTP {status}).</source>
        <translation>Портал отклонил запрос (HTTP {status}).</translation>
    </message>
    <message>
        <source>The portal asks you to sign in again. Nothing written offline is lost.</source>
        <translation>Портал просит войти заново. Всё, что написано без связи, сохранено.</translation>
    </message>
    <message>
        <source>Not enough disk space. Free some space or choose another data folder; what was completed is kept.</source>
        <translation>Недостаточно места на диске. Освободите место или выберите другую папку данных; уже полученное сохранено.</translation>
    </message>
    <message>
        <source>Okno could not write its data ({reason}).</source>
        <translation>Окно не смогло записать свои данные ({reason}).</translation>
    </message>
    <message>
        <source>The portal sent data Okno cannot accept; nothing from the faulty part was saved.</source>
        <translation>Портал прислал данные, которые Окно не может принять; из ошибочной части ничего не сохранено.</translation>
    </message>
    <message>
        <source>The address answers, but not as an Okno portal. Check the portal address.</source>
        <translation>По этому адресу кто-то отвечает, но это не портал «Окно». Проверьте адрес портала.</translation>
    </message>
    <message>
        <source>The portal speaks a different protocol version. Update Okno or the portal.</source>
        <translation>Портал использует другую версию протокола. Обновите Окно или портал.</translation>
    </message>
    <message>
        <source>Wrong login or password.</source>
        <translation>Неверный логин или пароль.</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>Отменено.</translation>
    </message>
    <message>
        <source>Details: {detail}</source>
        <translation>Подробности: {detail}</translation>
    </message>
</context>
<context>
    <name>SyncPage</name>
    <message>
        <source>Synchronisation</source>
        <translation>Синхронизация</translation>
    </message>
    <message>
        <source>Sync now (F5)</source>
        <translation>Синхронизировать (F5)</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>Синхронизировать</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Отменить</translation>
    </message>
    <message>
        <source>Cancel the sync</source>
        <translation>Отменить синхронизацию</translation>
    </message>
    <message>
        <source>USB drive…</source>
        <translation>Флешка…</translation>
    </message>
    <message>
        <source>Bring the library or the outbox to or from a computer without Internet</source>
        <translation>Перенести библиотеку или исходящие на компьютер без Интернета или с него</translation>
    </message>
    <message>
        <source>History</source>
        <translation>История</translation>
    </message>
    <message>
        <source>Sync history</source>
        <translation>История синхронизаций</translation>
    </message>
    <message>
        <source>Sync progress</source>
        <translation>Ход синхронизации</translation>
    </message>
    <message>
        <source>Portal: {url}</source>
        <translation>Портал: {url}</translation>
    </message>
    <message>
        <source>No portal is set: Okno works with the sample library. Enter a portal address in Settings.</source>
        <translation>Портал не указан: Окно работает с демонстрационной библиотекой. Введите адрес портала в настройках.</translation>
    </message>
    <message>
        <source>Automatic sync every {n} min</source>
        <translation>Автоматическая синхронизация каждые {n} мин</translation>
    </message>
    <message>
        <source>, only between {a} and {b}</source>
        <translation>, только с {a} до {b}</translation>
    </message>
    <message>
        <source>Automatic sync is off (see Settings).</source>
        <translation>Автоматическая синхронизация выключена (см. настройки).</translation>
    </message>
    <message>
        <source>Metered connection: only the catalog is synchronised, files are not downloaded.</source>
        <translation>Лимитное подключение: синхронизируется только каталог, файлы не скачиваются.</translation>
    </message>
    <message>
        <source>Connecting to the portal…</source>
        <translation>Подключаемся к порталу…</translation>
    </message>
    <message>
        <source>Receiving the library snapshot…</source>
        <translation>Получаем снимок библиотеки…</translation>
    </message>
    <message>
        <source>Receiving changes…</source>
        <translation>Получаем изменения…</translation>
    </message>
    <message>
        <source>Downloading files…</source>
        <translation>Скачиваем файлы…</translation>
    </message>
    <message>
        <source>The connection failed; waiting to retry…</source>
        <translation>Связь прервалась; ждём, чтобы повторить…</translation>
    </message>
    <message>
        <source>Finishing…</source>
        <translation>Завершаем…</translation>
    </message>
    <message>
        <source>{records} records, {bytes} received</source>
        <translation>записей: {records}, получено {bytes}</translation>
    </message>
    <message>
        <source>about {t} left</source>
        <translation>осталось около {t}</translation>
    </message>
    <message>
        <source>Done: {records} records, {bytes} in {time}.</source>
        <translation>Готово: записей — {records}, {bytes} за {time}.</translation>
    </message>
    <message>
        <source>The shared library of this computer is read-only for your account; the administrator&apos;s scheduled sync keeps it up to date.</source>
        <translation>Общая библиотека этого компьютера доступна вашей учётной записи только для чтения; её обновляет плановая синхронизация, настроенная администратором.</translation>
    </message>
    <message>
        <source>The shared library is being updated right now (by the scheduled sync or another user); it will be up to date when that finishes.</source>
        <translation>Общая библиотека сейчас обновляется (плановой синхронизацией или другим пользователем); когда это закончится, она будет актуальной.</translation>
    </message>
</context>
<context>
    <name>SyncResult</name>
    <message>
        <source>completed</source>
        <translation>успешно</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>ошибка</translation>
    </message>
</context>
<context>
    <name>ThreadPanel</name>
    <message>
        <source>Thread title</source>
        <translation>Название темы</translation>
    </message>
    <message>
        <source>Text (Markdown). It is kept on this computer and sent with the next sync.</source>
        <translation>Текст (Markdown). Он хранится на этом компьютере и уйдёт при следующей синхронизации.</translation>
    </message>
    <message>
        <source>Cancel editing</source>
        <translation>Отменить правку</translation>
    </message>
    <message>
        <source>Edit your post</source>
        <translation>Правка вашего сообщения</translation>
    </message>
    <message>
        <source>Save the edit</source>
        <translation>Сохранить правку</translation>
    </message>
    <message>
        <source>New thread</source>
        <translation>Новая тема</translation>
    </message>
    <message>
        <source>Save the thread</source>
        <translation>Сохранить тему</translation>
    </message>
    <message>
        <source>Your reply</source>
        <translation>Ваш ответ</translation>
    </message>
    <message>
        <source>Save the reply</source>
        <translation>Сохранить ответ</translation>
    </message>
    <message>
        <source>Choose a thread on the left.</source>
        <translation>Выберите тему слева.</translation>
    </message>
    <message>
        <source>A new thread</source>
        <translation>Новая тема</translation>
    </message>
    <message>
        <source>The thread is gone.</source>
        <translation>Этой темы больше нет.</translation>
    </message>
    <message>
        <source>The complaint is saved and will be sent with the next sync.</source>
        <translation>Жалоба сохранена и будет отправлена при синхронизации.</translation>
    </message>
    <message>
        <source>Complaint not saved: {reason}</source>
        <translation>Жалоба не сохранена: {reason}</translation>
    </message>
    <message>
        <source>Draft restored.</source>
        <translation>Черновик восстановлен.</translation>
    </message>
    <message>
        <source>Draft saved.</source>
        <translation>Черновик сохранён.</translation>
    </message>
    <message>
        <source>Write the text first.</source>
        <translation>Сначала напишите текст.</translation>
    </message>
    <message>
        <source>Write a title and the text first.</source>
        <translation>Сначала напишите название и текст.</translation>
    </message>
    <message>
        <source>Saved. It will be sent with the next sync.</source>
        <translation>Сохранено. Уйдёт при следующей синхронизации.</translation>
    </message>
    <message>
        <source>Not saved: {reason}</source>
        <translation>Не сохранено: {reason}</translation>
    </message>
</context>
<context>
    <name>Units</name>
    <message>
        <source>B</source>
        <translation>Б</translation>
    </message>
    <message>
        <source>KB</source>
        <translation>КБ</translation>
    </message>
    <message>
        <source>MB</source>
        <translation>МБ</translation>
    </message>
    <message>
        <source>GB</source>
        <translation>ГБ</translation>
    </message>
    <message>
        <source>TB</source>
        <translation>ТБ</translation>
    </message>
    <message>
        <source>{size}/s</source>
        <translation>{size}/с</translation>
    </message>
    <message>
        <source>{s} s</source>
        <translation>{s} с</translation>
    </message>
    <message>
        <source>{m} min {s} s</source>
        <translation>{m} мин {s} с</translation>
    </message>
    <message>
        <source>{h} h {m} min</source>
        <translation>{h} ч {m} мин</translation>
    </message>
    <message>
        <source>grade {n}</source>
        <translation>{n} класс</translation>
    </message>
    <message>
        <source>grades {a}–{b}</source>
        <translation>{a}–{b} классы</translation>
    </message>
    <message>
        <source>grades {list}</source>
        <translation>классы: {list}</translation>
    </message>
</context>
<context>
    <name>WelcomePage</name>
    <message>
        <source>Welcome to Okno</source>
        <translation>Добро пожаловать в Окно</translation>
    </message>
    <message>
        <source>The library of educational resources that works without the Internet.</source>
        <translation>Библиотека образовательных ресурсов, которая работает без интернета.</translation>
    </message>
    <message>
        <source>Okno keeps a copy of the library on this computer: you search, read and watch offline, and the copy is updated whenever a connection is available.</source>
        <translation>Окно хранит копию библиотеки на этом компьютере: искать, читать и смотреть можно без сети, а копия обновляется, когда появляется связь.</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>&amp;Язык:</translation>
    </message>
    <message>
        <source>Interface language</source>
        <translation>Язык интерфейса</translation>
    </message>
    <message>
        <source>&amp;Connect to a portal</source>
        <translation>&amp;Подключиться к порталу</translation>
    </message>
    <message>
        <source>Your region&apos;s or school&apos;s portal; its address is usually given by the methodologist or the IT administrator.</source>
        <translation>Портал вашего региона или школы; адрес обычно сообщает методист или системный администратор.</translation>
    </message>
    <message>
        <source>&amp;Explore the sample library (no portal needed)</source>
        <translation>&amp;Посмотреть демонстрационную библиотеку (портал не нужен)</translation>
    </message>
    <message>
        <source>A small set of lessons that ships with Okno. You can connect to a portal later in Settings.</source>
        <translation>Небольшой набор уроков, который поставляется с Окном. Подключиться к порталу можно позже в настройках.</translation>
    </message>
</context>
<context>
    <name>_DelayedProgress</name>
    <message>
        <source>Cancel</source>
        <translation>Отменить</translation>
    </message>
</context>
</TS>
