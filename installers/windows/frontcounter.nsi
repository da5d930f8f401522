; Front Counter's Windows setup. Made on Linux by installers/windows/build_windows.py:
;   makensis -DVERSION=... -DNUMERIC_VERSION=... -DAPPDIR=<app folder> -DOUTFILE=<setup.exe>
;            -DICON=<.ico> -DWIZARD_BITMAP=<164x314 .bmp> -DSIZE_KB=<size>
;            [-DSIGN=<command that signs the file named after it>]
;
; For one Windows user by default, into %LOCALAPPDATA%\Programs\Front Counter, without
; administrator rights; for every user of the PC, into Program Files, when run as
; administrator (or with /AllUsers; /CurrentUser forces the first). Silent: /S, with /D=<folder>
; (last on the line, unquoted) to choose the folder. A newer setup installs over an older one in
; the same folder. The uninstaller keeps the town's data unless "Also remove my data" is ticked
; (silently: /REMOVEDATA); the data is in %LOCALAPPDATA%\FrontCounter, never in this folder.

Unicode true
Target amd64-unicode
ManifestDPIAware true
SetCompressor /SOLID lzma
RequestExecutionLevel user

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"
!include "nsDialogs.nsh"

!define APPNAME "Front Counter"
!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\FrontCounter"
!define PUBLISHER "The Front Counter developers"
!define DATADIR "$LOCALAPPDATA\FrontCounter"

Name "${APPNAME}"
OutFile "${OUTFILE}"
; ends in the app's name, so a folder chosen with Browse gets "\Front Counter" added: the
; setup and the uninstaller only ever remove their own subfolders of a folder of their own
InstallDir "$LOCALAPPDATA\Programs\${APPNAME}"
BrandingText "${APPNAME} ${VERSION}"
ShowInstDetails hide
ShowUninstDetails hide

!ifdef SIGN
!uninstfinalize '${SIGN} "%1"' = 0
!endif

VIProductVersion "${NUMERIC_VERSION}"
VIFileVersion "${NUMERIC_VERSION}"
VIAddVersionKey /LANG=1033 "ProductName" "${APPNAME}"
VIAddVersionKey /LANG=1033 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=1033 "FileDescription" "${APPNAME} ${VERSION} Setup"
VIAddVersionKey /LANG=1033 "LegalCopyright" "GNU General Public License, version 3 or later"

Var AllUsers       ; 1: every user of the PC (Program Files, HKLM); 0: this user
Var RemoveData     ; the uninstaller: 1 when "Also remove my data" is ticked (or /REMOVEDATA)
Var RemoveDataBox

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_WELCOMEFINISHPAGE_BITMAP "${WIZARD_BITMAP}"
!define MUI_UNWELCOMEFINISHPAGE_BITMAP "${WIZARD_BITMAP}"
!define MUI_ABORTWARNING
!define MUI_COMPONENTSPAGE_NODESC

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_INSTFILES
!define MUI_FINISHPAGE_RUN
!define MUI_FINISHPAGE_RUN_FUNCTION RunUnelevated
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
UninstPage custom un.DataPage un.DataPageLeave
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"
!insertmacro MUI_LANGUAGE "Spanish"

LangString SecDesktopName ${LANG_ENGLISH} "Desktop shortcut"
LangString SecDesktopName ${LANG_SPANISH} "Acceso directo en el escritorio"
LangString Compiling ${LANG_ENGLISH} "Preparing the program so that it starts quickly..."
LangString Compiling ${LANG_SPANISH} "Preparando el programa para que se abra rápido..."
LangString StillOpen ${LANG_ENGLISH} "Front Counter is open on this computer. Close it (File > Quit), then click Retry."
LangString StillOpen ${LANG_SPANISH} "Front Counter está abierto en esta computadora. Ciérrelo (Archivo > Salir) y haga clic en Reintentar."
LangString NeedAdmin ${LANG_ENGLISH} "To install or remove Front Counter for every user of this PC, run this program as administrator (right-click it, Run as administrator)."
LangString NeedAdmin ${LANG_SPANISH} "Para instalar o quitar Front Counter para todos los usuarios de esta PC, ejecute este programa como administrador (clic derecho, Ejecutar como administrador)."
LangString DataTitle ${LANG_ENGLISH} "Your data"
LangString DataTitle ${LANG_SPANISH} "Sus datos"
LangString DataSubtitle ${LANG_ENGLISH} "Keep the town's data on this computer, or remove it too."
LangString DataSubtitle ${LANG_SPANISH} "Conserve los datos del municipio en esta computadora, o quítelos también."
LangString DataText ${LANG_ENGLISH} "Front Counter keeps this Windows user's database, its backups, the settings and the log in $\r$\n${DATADIR}$\r$\n$\r$\nThey stay there after Front Counter is removed, ready for the next install, unless you tick the box below. A town file on a shared drive is never removed."
LangString DataText ${LANG_SPANISH} "Front Counter guarda la base de datos de este usuario de Windows, sus copias de seguridad, la configuración y el registro en$\r$\n${DATADIR}$\r$\n$\r$\nSe conservan allí después de quitar Front Counter, listos para la próxima instalación, a menos que marque la casilla. Un archivo del municipio en una unidad compartida nunca se quita."
LangString DataBox ${LANG_ENGLISH} "Also remove my data (everything in that folder)"
LangString DataBox ${LANG_SPANISH} "Quitar también mis datos (todo lo que hay en esa carpeta)"

; -- the install ------------------------------------------------------------------------

Function SetContext
  ${If} $AllUsers == 1
    SetShellVarContext all
  ${Else}
    SetShellVarContext current
  ${EndIf}
FunctionEnd

Function .onInit
  StrCpy $R4 "$LOCALAPPDATA\Programs\${APPNAME}"  ; InstallDir, before any /D=
  ${GetParameters} $R0
  UserInfo::GetAccountType
  Pop $R1
  ; run as administrator: for every user; otherwise for this user, with no rights needed
  StrCpy $AllUsers 0
  ${If} $R1 == "Admin"
    StrCpy $AllUsers 1
  ${EndIf}
  ClearErrors
  ${GetOptions} $R0 "/CurrentUser" $R2
  ${IfNot} ${Errors}
    StrCpy $AllUsers 0
  ${EndIf}
  ClearErrors
  ${GetOptions} $R0 "/AllUsers" $R2
  ${IfNot} ${Errors}
    ${If} $R1 != "Admin"
      MessageBox MB_OK|MB_ICONEXCLAMATION "$(NeedAdmin)" /SD IDOK
      SetErrorLevel 740
      Abort
    ${EndIf}
    StrCpy $AllUsers 1
  ${EndIf}
  Call SetContext
  ${If} $INSTDIR == $R4  ; no /D= given
    ; over an earlier install: the same folder
    ReadRegStr $R3 SHCTX "${UNINSTKEY}" "InstallLocation"
    ${If} $R3 != ""
      StrCpy $INSTDIR $R3
    ${ElseIf} $AllUsers == 1
      StrCpy $INSTDIR "$PROGRAMFILES64\${APPNAME}"
    ${Else}
      StrCpy $INSTDIR "$LOCALAPPDATA\Programs\${APPNAME}"
    ${EndIf}
  ${EndIf}
FunctionEnd

; A running copy has its Python's library loaded, and Windows refuses to open a loaded
; library for writing (renaming it would succeed): files in use cannot be replaced or removed.
!macro WAIT_UNTIL_CLOSED UN
Function ${UN}WaitUntilClosed
  ${DoWhile} ${FileExists} "$INSTDIR\Python\python313.dll"
    ClearErrors
    FileOpen $0 "$INSTDIR\Python\python313.dll" a
    ${IfNot} ${Errors}
      FileClose $0
      ${Break}
    ${EndIf}
    MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "$(StillOpen)" /SD IDCANCEL IDRETRY +2
    Abort
  ${Loop}
FunctionEnd
!macroend
!insertmacro WAIT_UNTIL_CLOSED ""
!insertmacro WAIT_UNTIL_CLOSED "un."

; The finish page's "Run Front Counter", through Explorer: as the user at the desktop, never as
; the administrator an elevated setup runs as (whose folders would get the town's data).
Function RunUnelevated
  Exec '"$WINDIR\explorer.exe" "$INSTDIR\Front Counter.exe"'
FunctionEnd

Section "${APPNAME}" SecApp
  SectionIn RO
  SetOutPath "$INSTDIR"
  Call WaitUntilClosed
  ; a newer version over an older one: the old program goes first (the data is elsewhere),
  ; only from a folder that holds Front Counter
  ${If} ${FileExists} "$INSTDIR\frontcounter.exe"
    RMDir /r "$INSTDIR\Python"
    RMDir /r "$INSTDIR\pkgs"
    RMDir /r "$INSTDIR\resources"
  ${EndIf}
  SetDetailsPrint textonly  ; thousands of files: the progress bar, not a line each
  File /r "${APPDIR}\*.*"
  SetDetailsPrint both
  ; compiled now, so every start is quick: a folder for every user cannot be written later
  DetailPrint "$(Compiling)"
  nsExec::ExecToLog '"$INSTDIR\Python\python.exe" -m compileall -q -q "$INSTDIR\pkgs"'
  Pop $0
  WriteUninstaller "$INSTDIR\Uninstall.exe"
  CreateShortcut "$SMPROGRAMS\${APPNAME}.lnk" "$INSTDIR\Front Counter.exe" "" "$INSTDIR\frontcounter.ico"
  WriteRegStr SHCTX "${UNINSTKEY}" "DisplayName" "${APPNAME}"
  WriteRegStr SHCTX "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr SHCTX "${UNINSTKEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr SHCTX "${UNINSTKEY}" "DisplayIcon" "$INSTDIR\frontcounter.ico"
  WriteRegStr SHCTX "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr SHCTX "${UNINSTKEY}" "UninstallString" '"$INSTDIR\Uninstall.exe"'
  WriteRegStr SHCTX "${UNINSTKEY}" "QuietUninstallString" '"$INSTDIR\Uninstall.exe" /S'
  WriteRegDWORD SHCTX "${UNINSTKEY}" "EstimatedSize" ${SIZE_KB}
  WriteRegDWORD SHCTX "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD SHCTX "${UNINSTKEY}" "NoRepair" 1
SectionEnd

Section "$(SecDesktopName)" SecDesktop
  CreateShortcut "$DESKTOP\${APPNAME}.lnk" "$INSTDIR\Front Counter.exe" "" "$INSTDIR\frontcounter.ico"
SectionEnd

; -- the uninstall ----------------------------------------------------------------------

Function un.onInit
  ; installed for every user when the machine's entry names this folder
  StrCpy $AllUsers 0
  SetShellVarContext all
  ReadRegStr $R0 SHCTX "${UNINSTKEY}" "InstallLocation"
  ${If} $R0 == $INSTDIR
    StrCpy $AllUsers 1
    UserInfo::GetAccountType
    Pop $R1
    ${If} $R1 != "Admin"
      MessageBox MB_OK|MB_ICONEXCLAMATION "$(NeedAdmin)" /SD IDOK
      SetErrorLevel 740
      Abort
    ${EndIf}
  ${Else}
    SetShellVarContext current
  ${EndIf}
  StrCpy $RemoveData 0
  ${GetParameters} $R2
  ClearErrors
  ${GetOptions} $R2 "/REMOVEDATA" $R3
  ${IfNot} ${Errors}
    StrCpy $RemoveData 1
  ${EndIf}
FunctionEnd

Function un.DataPage
  !insertmacro MUI_HEADER_TEXT "$(DataTitle)" "$(DataSubtitle)"
  SetShellVarContext current  ; the data is the user's own, whichever way it was installed
  nsDialogs::Create 1018
  Pop $0
  ${NSD_CreateLabel} 0 0 100% 70u "$(DataText)"
  Pop $0
  ${NSD_CreateCheckbox} 0 80u 100% 12u "$(DataBox)"
  Pop $RemoveDataBox
  ${If} $AllUsers == 1
    SetShellVarContext all
  ${EndIf}
  nsDialogs::Show
FunctionEnd

Function un.DataPageLeave
  ${NSD_GetState} $RemoveDataBox $0
  ${If} $0 == ${BST_CHECKED}
    StrCpy $RemoveData 1
  ${EndIf}
FunctionEnd

Section "Uninstall"
  Call un.WaitUntilClosed
  Delete "$SMPROGRAMS\${APPNAME}.lnk"
  Delete "$DESKTOP\${APPNAME}.lnk"
  ${If} ${FileExists} "$INSTDIR\frontcounter.exe"  ; a folder of Front Counter's own
    RMDir /r "$INSTDIR\Python"
    RMDir /r "$INSTDIR\pkgs"
    RMDir /r "$INSTDIR\resources"
  ${EndIf}
  Delete "$INSTDIR\Front Counter.exe"
  Delete "$INSTDIR\frontcounter.exe"
  Delete "$INSTDIR\frontcounter.ico"
  Delete "$INSTDIR\README.txt"
  Delete "$INSTDIR\Uninstall.exe"
  RMDir "$INSTDIR"  ; only when empty: anything else put there stays
  DeleteRegKey SHCTX "${UNINSTKEY}"
  ${If} $RemoveData == 1
    SetShellVarContext current
    RMDir /r "${DATADIR}"
  ${EndIf}
SectionEnd
